package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
)

// spacer draws a rare event at rate p with low variance: hits are spread out (at least about
// 2/(3p) trials apart) instead of clustering as independent draws do, so that a small country's
// daily rates stay close to their mean.
type spacer struct{ acc float64 }

func (s *spacer) hit(r *rand.Rand, p float64) bool {
	if p <= 0 {
		return false
	}
	s.acc += p * (0.5 + r.Float64())
	if s.acc >= 1 {
		s.acc--
		return true
	}
	return false
}

// cumulative weights for weighted picks
type picker struct{ cum []float64 }

func newPicker(ws []float64) picker {
	p := picker{cum: make([]float64, len(ws))}
	t := 0.0
	for i, w := range ws {
		t += w
		p.cum[i] = t
	}
	return p
}

func (p picker) pick(r *rand.Rand) int {
	u := r.Float64() * p.cum[len(p.cum)-1]
	i := sort.SearchFloat64s(p.cum, u)
	if i >= len(p.cum) {
		i = len(p.cum) - 1
	}
	for i < len(p.cum)-1 && p.cum[i] == u { // SearchFloat64s finds the first ≥ u; skip zero weights
		i++
	}
	return i
}

type sku struct {
	id       string
	cat      int
	usd      float64 // list price
	cogs     float64 // landed cost as a share of the list price
	supplier int
}

type campaign struct {
	name         string
	orders       int
	sales, spend float64
}

type store struct {
	id      string
	plat    int
	c       *ctry
	weight  float64 // share of the country's orders
	ful     picker  // fulfilment mix
	camps   []campaign
	campPk  picker
	roas    float64 // today's ROAS, drawn before the day's orders
	today   int     // orders created today
	counter *storeDays
}

// storeDays are daily counts per store, by the day of each event, for platform_scores.
type storeDays struct {
	orders, sellerCancels, disputes, shipped, late, reviews, negReviews, tickets, fastReplies []int
	ratingSum                                                                                 []int
}

type warehouse struct {
	code     string
	skus     []int // indices into g.skus
	pk       picker
	onHand   []int
	expUnits []float64 // expected units a day at demand multiplier 1
	pipeline []*purchaseOrder
}

type purchaseOrder struct {
	id, supplier                                            string
	created, shipped, departed, arrived, received, expected int64
	shipDay, recvDay                                        int // day indices
	lines                                                   []poLine
}

type poLine struct{ k, qty int }

type ctry struct {
	def       *countryDef
	code      string
	z         *zone
	dec       int // decimals of the currency
	stores    []*store
	storePk   picker
	skus      []int // listed SKUs, most popular first
	skuPk     picker
	full, own *warehouse
	whs       []*warehouse
	carML     picker
	carOther  picker
	transit   picker
	agents    []string
	cut       int64 // end of the last day: nothing after it has happened yet
	buyers    []int
	nBuyers   int

	// problem windows (instants; math.MaxInt64 when the country has none)
	customsFrom, lossFrom, backlogFrom int64

	spLate, spLateDeliv, spAttempt, spLost, spRTS, spHold, spTax, spHoldW, spTaxW spacer
	spEstLoss, spEstRTS, spUnpaid, spBuyerCancel, spSellerCancel                  spacer
	spSlowResp, spBacklog, spPresale, spPOLate, spAd                              spacer
	qCsat, qNeg, qThree, qDispute, qDet, qPass, qReturn                           quota
	sellerCancelDue                                                               bool // a seller cancellation waiting for a busier day

	todayCount int           // orders created so far today
	okToday    int           // orders created today and not cancelled
	ticketDays [][]*ticket   // tickets waiting for the day they are resolved (last: unresolved)
	reviewDays [][]*review   // reviews waiting for the day they are written
	closedDays [][]*orderRef // delivered or lost orders by day, for claims and returns
}

type gen struct {
	cfg     Config
	r       *rand.Rand
	days    int
	startDn int         // first generated day number
	pre     int         // days of history before startDn kept in the arrays (fx, purchase orders)
	n       int         // length of the per-day arrays
	mult    [][]float64 // per country, per day index
	cum     [][]float64 // cumulative mult
	mid     [][]int64   // local midnights
	fx      [][]float64 // per country currency, per day index
	cnyFx   []float64
	skus    []sku
	ctrys   []*ctry

	fxOut, orders, items, shipments, returns, tickets, reviews, nps, ads, traffic, inventory, pos, scores *sink

	seqOrder, seqShip, seqTicket, seqReview, seqReturn, seqNPS, seqBuyer int
	lines                                                                []line
}

type line struct {
	k     int // sku index
	units int
	price float64
}

const (
	preDays  = 70 // purchase orders and fx before the window
	postDays = 80 // events computed (not written) after the window
)

func newGen(cfg Config) (*gen, error) {
	g := &gen{cfg: cfg, days: cfg.Days, pre: preDays}
	g.r = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed_5e11e7_0d3e))
	g.startDn = cfg.endDay() - cfg.Days + 1
	g.n = g.pre + g.days + postDays
	lo := int64(g.startDn-g.pre-2) * secPerDay
	hi := int64(g.startDn+g.days+postDays+2) * secPerDay
	g.buildCatalogue()
	for ci := range countryDefs {
		def := &countryDefs[ci]
		z, err := newZone(def.zone, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("demo: time zone %s: %w", def.zone, err)
		}
		c := &ctry{def: def, code: def.code, z: z, dec: 2}
		if def.currency == "COP" || def.currency == "CLP" {
			c.dec = 0
		}
		g.ctrys = append(g.ctrys, c)
		mult := demandCurve(def.code, g.startDn-g.pre, g.n, g.startDn, g.days)
		cum := make([]float64, g.n+1)
		for i, m := range mult {
			cum[i+1] = cum[i] + m
		}
		mid := make([]int64, g.n+1)
		for i := range mid {
			mid[i] = z.midnight(g.startDn - g.pre + i)
		}
		g.mult = append(g.mult, mult)
		g.cum = append(g.cum, cum)
		g.mid = append(g.mid, mid)
		c.cut = mid[g.pre+g.days]
	}
	g.buildFX()
	for ci, c := range g.ctrys {
		g.buildCountry(ci, c)
	}
	return g, nil
}

func (g *gen) bind(s map[string]*sink) error {
	g.fxOut, g.orders, g.items, g.shipments = s["fx_rates"], s["orders"], s["order_items"], s["shipments"]
	g.returns, g.tickets, g.reviews, g.nps = s["returns"], s["tickets"], s["reviews"], s["nps_responses"]
	g.ads, g.traffic, g.inventory, g.pos, g.scores = s["ads"], s["traffic"], s["inventory"], s["purchase_orders"], s["platform_scores"]
	for _, x := range []*sink{g.fxOut, g.orders, g.items, g.shipments, g.returns, g.tickets, g.reviews, g.nps, g.ads, g.traffic, g.inventory, g.pos, g.scores} {
		if x == nil {
			return fmt.Errorf("demo: the record contract changed: a kind this generator writes is missing")
		}
	}
	return nil
}

// uniform draws from [a, b).
func (g *gen) u(a, b float64) float64 { return a + (b-a)*g.r.Float64() }

// hours returns a random duration in seconds between a and b hours.
func (g *gen) hours(a, b float64) int64 { return int64(g.u(a, b) * secPerHour) }

// style picks how a row writes its timestamps: mostly naive local time, some with an offset, a few UTC.
func (g *gen) style() int {
	u := g.r.Float64()
	switch {
	case u < 0.88:
		return styleNaive
	case u < 0.98:
		return styleOffset
	}
	return styleUTC
}

// idx is the day index of a day number; dayIdx of a generated day d (0-based) is g.pre+d.
func (g *gen) idx(dn int) int { return dn - g.startDn + g.pre }

// midnight of a local date given by day index (clamped to the arrays; far dates are computed).
func (g *gen) midnight(ci, i int) int64 {
	if i >= 0 && i <= g.n {
		return g.mid[ci][i]
	}
	return g.ctrys[ci].z.midnight(g.startDn - g.pre + i)
}

// dayIndex of an instant's local date.
func (g *gen) dayIndex(c *ctry, t int64) int { return g.idx(c.z.localDay(t)) }

func (g *gen) buildCatalogue() {
	for ci, cat := range categories {
		sup := slices.Index(suppliers, cat.supplier)
		for j := 0; j < skusPerCat; j++ {
			usd := cat.lo * math.Exp(g.r.Float64()*math.Log(cat.hi/cat.lo))
			g.skus = append(g.skus, sku{
				id:   fmt.Sprintf("%s-%03d", cat.prefix, 101+j),
				cat:  ci,
				usd:  math.Round(usd*100) / 100,
				cogs: g.u(0.55, 0.63), supplier: sup,
			})
		}
	}
}

// buildFX draws daily rates: a mean-reverting random walk around each country's level, the
// peso argentino with a steady depreciation.
func (g *gen) buildFX() {
	g.fx = make([][]float64, len(g.ctrys))
	for ci, c := range g.ctrys {
		def := c.def
		rates := make([]float64, g.n+1)
		x := 0.0
		for i := range rates {
			x = 0.97*x + def.fxVol*g.r.NormFloat64()
			base := def.fx
			if def.fxDrift > 0 {
				base = def.fx * math.Exp(def.fxDrift*float64(i-g.pre))
			}
			rates[i] = base * math.Exp(x)
		}
		g.fx[ci] = rates
	}
	g.cnyFx = make([]float64, g.n+1)
	x := 0.0
	for i := range g.cnyFx {
		x = 0.97*x + 0.002*g.r.NormFloat64()
		g.cnyFx[i] = cnyPerUSD * math.Exp(x)
	}
}

func (g *gen) buildCountry(ci int, c *ctry) {
	def := c.def
	r := g.r
	// stores
	var ws []float64
	for p := 0; p < nPlat; p++ {
		n := def.stores[p]
		for s := 0; s < n; s++ {
			share := def.plat[p]
			if n == 2 {
				share *= [2]float64{0.62, 0.38}[s]
			}
			mix := fulfillmentMix[p]
			if !def.hasFull {
				if p == platML {
					mix[fCrossDocking] += mix[fFull]
				} else {
					mix[fOwn] += mix[fFull]
				}
				mix[fFull] = 0
			}
			mix[fCrossBorder] *= def.crossBorder
			st := &store{
				id:     fmt.Sprintf("%s-%s-%d", platformPrefix[p], lower(def.code), s+1),
				plat:   p,
				c:      c,
				weight: share,
				ful:    newPicker(mix[:]),
				campPk: newPicker(campaignShare[p]),
			}
			for _, name := range platformCampaigns[p] {
				st.camps = append(st.camps, campaign{name: name})
			}
			st.counter = &storeDays{}
			cnt := st.counter
			for _, a := range []*[]int{&cnt.orders, &cnt.sellerCancels, &cnt.disputes, &cnt.shipped, &cnt.late, &cnt.reviews, &cnt.negReviews, &cnt.tickets, &cnt.fastReplies, &cnt.ratingSum} {
				*a = make([]int, g.n+1)
			}
			c.stores = append(c.stores, st)
			ws = append(ws, share)
		}
	}
	c.storePk = newPicker(ws)
	// assortment: a random 130 of the 200 SKUs, ranked by popularity
	perm := r.Perm(len(g.skus))[:countrySKUs]
	type ranked struct {
		k int
		w float64
	}
	rk := make([]ranked, len(perm))
	for i, k := range perm {
		rk[i] = ranked{k, categories[g.skus[k].cat].weight / math.Pow(float64(i)+6, 0.9)}
	}
	sort.SliceStable(rk, func(a, b int) bool { return rk[a].w > rk[b].w })
	var sw []float64
	for _, x := range rk {
		c.skus = append(c.skus, x.k)
		sw = append(sw, x.w)
	}
	c.skuPk = newPicker(sw)
	newWH := func(code string) *warehouse {
		w := &warehouse{code: code, skus: c.skus[:whSKUs], pk: newPicker(sw[:whSKUs])}
		w.onHand = make([]int, whSKUs)
		w.expUnits = make([]float64, whSKUs)
		return w
	}
	if def.hasFull {
		c.full = newWH(def.fullWH)
		c.whs = append(c.whs, c.full)
	}
	c.own = newWH(def.ownWH)
	c.whs = append(c.whs, c.own)
	// expected units per warehouse SKU at multiplier 1 (for purchase planning)
	const unitsPerOrder = (1 + 0.28 + 0.07) * (1 + 0.15 + 0.03)
	for _, st := range c.stores {
		mixTotal := st.ful.cum[len(st.ful.cum)-1]
		for f := 0; f < nFul; f++ {
			share := st.ful.cum[f]
			if f > 0 {
				share -= st.ful.cum[f-1]
			}
			share /= mixTotal
			w := g.whFor(c, f)
			if w == nil {
				continue
			}
			for k := range w.expUnits {
				pk := w.pk.cum[k]
				if k > 0 {
					pk -= w.pk.cum[k-1]
				}
				pk /= w.pk.cum[len(w.pk.cum)-1]
				w.expUnits[k] += def.orders * g.cfg.Scale * st.weight * share * 0.98 * unitsPerOrder * pk
			}
		}
	}
	c.carML = newPicker(weights(def.carriersML))
	c.carOther = newPicker(weights(def.carriersOther))
	c.transit = newPicker(def.localTransit)
	for a := 1; a <= agentsPerCtry; a++ {
		c.agents = append(c.agents, fmt.Sprintf("agent-%s-%02d", lower(def.code), a))
	}
	c.buyers = make([]int, buyerRing)
	c.customsFrom, c.lossFrom, c.backlogFrom = math.MaxInt64, math.MaxInt64, math.MaxInt64
	switch c.code {
	case "BR":
		c.customsFrom = g.midnight(ci, g.idx(g.cfg.window(brCustomsDays)))
	case "MX":
		c.lossFrom = g.midnight(ci, g.idx(g.cfg.window(mxCarrierDays)))
	case "CO":
		c.backlogFrom = g.midnight(ci, g.idx(g.cfg.window(coBacklogDays)))
	}
	for _, s := range []*spacer{&c.spLate, &c.spLateDeliv, &c.spAttempt, &c.spLost, &c.spRTS, &c.spHold, &c.spTax,
		&c.spHoldW, &c.spTaxW, &c.spEstLoss, &c.spEstRTS, &c.spUnpaid, &c.spBuyerCancel,
		&c.spSellerCancel, &c.spSlowResp, &c.spBacklog, &c.spPresale, &c.spPOLate, &c.spAd} {
		s.acc = r.Float64()
	}
	for _, q := range []*quota{&c.qCsat, &c.qNeg, &c.qThree, &c.qDispute, &c.qDet, &c.qPass, &c.qReturn} {
		q.acc = r.Float64()
	}
	c.ticketDays = make([][]*ticket, g.n+2)
	c.reviewDays = make([][]*review, g.n+2)
	c.closedDays = make([][]*orderRef, g.n+2)
}

func (g *gen) whFor(c *ctry, f int) *warehouse {
	switch f {
	case fFull:
		return c.full
	case fCrossDocking, fDropOff, fOwn:
		return c.own
	}
	return nil
}

func weights(ws []weighted) []float64 {
	out := make([]float64, len(ws))
	for i, w := range ws {
		out[i] = w.w
	}
	return out
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// run generates everything, day by day.
func (g *gen) run() {
	g.writeFX()
	for ci, c := range g.ctrys {
		g.initStock(ci, c)
	}
	for d := 0; d < g.days; d++ {
		i := g.pre + d
		for ci, c := range g.ctrys {
			g.receive(c, i)
			if weekday(g.startDn+d) == 1 {
				g.planPOs(ci, c, i, false)
			}
			g.ordersOfDay(ci, c, i)
			g.endOfDay(ci, c, i)
		}
	}
	for _, c := range g.ctrys { // tickets still open at the end
		g.flushTickets(0, c, len(c.ticketDays)-1)
	}
}

func (g *gen) writeFX() {
	for i := 0; i <= g.pre+g.days-1; i++ {
		dn := g.startDn - g.pre + i
		for ci, c := range g.ctrys {
			g.fxRow(dn, c.def.currency, g.fx[ci][i])
		}
		g.fxRow(dn, "CNY", g.cnyFx[i])
	}
}

func (g *gen) fxRow(dn int, cur string, v float64) {
	s := g.fxOut
	s.begin(styleNaive)
	s.date(dn)
	s.str(cur)
	s.num(v, 4)
	s.end()
}

// price rounds a local price the way sellers list them.
func price(v float64, cur string) float64 {
	switch cur {
	case "BRL", "MXN":
		if v < 2 {
			return math.Round(v*100) / 100
		}
		return math.Floor(v) + 0.9
	case "COP":
		return math.Max(100, math.Round(v/100)*100)
	case "CLP", "ARS":
		return math.Max(10, math.Round(v/10)*10)
	}
	return math.Round(v*100) / 100
}

func roundTo(v float64, dec int) float64 {
	p := math.Pow10(dec)
	return math.Round(v*p) / p
}

func itoa(n int) string { return strconv.Itoa(n) }
