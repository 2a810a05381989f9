package demo

import (
	"math"
	"slices"
	"strconv"
)

const (
	cancelNone = iota
	cancelUnpaid
	cancelBuyer
	cancelSeller
)

// order is the lifecycle of one order, as instants (noTime when it has not happened).
type order struct {
	id                               string
	st                               *store
	created, paid, deadline, shipped int64
	cancelled                        int64
	cancel                           int
	ful                              int
	wh                               string
	carrier                          string
	estimate                         int // promised local day number, 0 if none
	gross, fee, ship, cogs, adCost   float64
	buyer                            string
	units                            int
	// shipment
	shipID, service                               string
	handed, departed, arrived, submitted, cleared int64
	held                                          bool
	taxReturns                                    int
	ofd, delivered, lost, rts                     int64
	attempts                                      int
}

func (g *gen) ordersOfDay(ci int, c *ctry, i int) {
	r := g.r
	lambda := c.def.orders * g.cfg.Scale * g.mult[ci][i]
	n := int(lambda*(1+0.05*r.NormFloat64()) + r.Float64())
	if n < 0 {
		n = 0
	}
	c.todayCount = 0
	for _, st := range c.stores {
		st.today = 0
		st.roas = g.u(5.3, 7.0)
		for k := range st.camps {
			st.camps[k] = campaign{name: st.camps[k].name}
		}
	}
	mid, next := g.mid[ci][i], g.mid[ci][i+1]
	times := make([]int64, n)
	hp := hourPicker
	for k := range times {
		h := hp.pick(r)
		t := mid + int64(h)*secPerHour + int64(r.IntN(secPerHour))
		if t >= next {
			t = next - 1 - int64(r.IntN(1800))
		}
		times[k] = t
	}
	slices.Sort(times)
	for _, t := range times {
		g.order(ci, c, c.stores[c.storePk.pick(r)], i, t)
	}
}

var hourPicker = newPicker(hourWeights[:])

func (g *gen) orderID(st *store, created int64) string {
	g.seqOrder++
	n := g.seqOrder
	r := g.r
	switch st.plat {
	case platML:
		return strconv.FormatInt(2000010000000000+int64(n)*17+int64(r.IntN(17)), 10)
	case platAmazon:
		return pad(700+r.IntN(300), 3) + "-" + pad(r.IntN(10000000), 7) + "-" + pad(n%10000000, 7)
	case platShopee:
		b := appendDate(nil, st.c.z.localDay(created))
		return string(b[2:4]) + string(b[5:7]) + string(b[8:10]) + upperBase36(n, 6) + pad(r.IntN(100), 2)
	}
	return "GSH" + upperBase36(n*7+r.IntN(7), 8)
}

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	return s
}

func upperBase36(n, w int) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, w)
	for i := w - 1; i >= 0; i-- {
		b[i] = digits[n%36]
		n /= 36
	}
	return string(b)
}

// pickLines fills g.lines from a warehouse's stock (taking the units) or, for cross-border
// orders, from the country's whole assortment. It reports false when the warehouse lacks stock.
func (g *gen) pickLines(c *ctry, w *warehouse, take bool) bool {
	r := g.r
	nl := 1
	if u := r.Float64(); u < 0.07 {
		nl = 3
	} else if u < 0.28 {
		nl = 2
	}
	g.lines = g.lines[:0]
	for l := 0; l < nl; l++ {
		units := 1
		if u := r.Float64(); u < 0.03 {
			units = 3
		} else if u < 0.15 {
			units = 2
		}
		var k int
		ok := false
		for try := 0; try < 4 && !ok; try++ {
			if w == nil {
				k = c.skus[c.skuPk.pick(r)]
			} else {
				k = w.pk.pick(r)
			}
			ok = !slices.ContainsFunc(g.lines, func(x line) bool { return x.k == k })
			if ok && w != nil && take && w.onHand[k] < units {
				ok = false
			}
		}
		if !ok {
			if l == 0 {
				return false
			}
			break
		}
		if w != nil {
			if take {
				w.onHand[k] -= units
			}
			k = w.skus[k] // from here on a catalogue index
		}
		g.lines = append(g.lines, line{k: k, units: units})
	}
	return true
}

// giveBack returns the units of g.lines to a warehouse.
func (g *gen) giveBack(w *warehouse) {
	for _, l := range g.lines {
		if k := slices.Index(w.skus, l.k); k >= 0 {
			w.onHand[k] += l.units
		}
	}
}

func (g *gen) order(ci int, c *ctry, st *store, i int, created int64) {
	r := g.r
	def := c.def
	o := &order{st: st, created: created}
	o.id = g.orderID(st, created)
	// cancellation is decided first: cancelled orders take no stock
	switch {
	case c.spUnpaid.hit(r, 0.0025):
		o.cancel = cancelUnpaid
	case c.spBuyerCancel.hit(r, 0.016):
		o.cancel = cancelBuyer
	case c.spSellerCancel.hit(r, 0.002) || c.sellerCancelDue:
		// a seller cancellation waits for a day with enough orders to keep the day's rate low
		c.sellerCancelDue = c.todayCount < 25
		if !c.sellerCancelDue {
			o.cancel = cancelSeller
		}
	}
	c.todayCount++
	o.ful = st.ful.pick(r)
	w := g.whFor(c, o.ful)
	if w != nil {
		if !g.pickLines(c, w, o.cancel == cancelNone) {
			o.ful = fCrossBorder // out of stock locally: ship from China
			w = nil
		}
	}
	if w == nil {
		g.pickLines(c, nil, false)
		o.wh = crossBorderWH
	} else {
		o.wh = w.code
	}
	fx := g.fx[ci][i]
	discount := 1.0
	if g.mult[ci][i] > 1.6 {
		discount = 0.88
	}
	for l := range g.lines {
		sk := &g.skus[g.lines[l].k]
		g.lines[l].price = price(sk.usd*def.priceIndex*discount*fx, def.currency)
		o.gross += g.lines[l].price * float64(g.lines[l].units)
		o.cogs += roundTo(sk.usd*sk.cogs*fx, c.dec) * float64(g.lines[l].units)
		o.units += g.lines[l].units
	}
	o.fee = roundTo(o.gross*(platformFee[st.plat]+g.u(-0.008, 0.008)), c.dec)
	su := shippingUSD[o.ful]
	o.ship = roundTo(g.u(su[0], su[1])*(1+0.12*float64(o.units-1))*def.shipFactor*fx, c.dec)
	o.buyer = g.buyer(c)
	style := g.style()

	// payment and cancellation
	cnt := st.counter
	cnt.orders[i]++
	st.today++
	if o.cancel == cancelUnpaid {
		o.cancelled = created + 72*secPerHour
	} else {
		if r.Float64() < 0.9 {
			o.paid = created + int64(30+r.IntN(570))
		} else {
			o.paid = created + g.hours(0.25, 20) // boleto, OXXO, bank transfer
		}
		switch o.cancel {
		case cancelBuyer:
			o.cancelled = o.paid + g.hours(0.3, 16)
		case cancelSeller:
			o.cancelled = o.paid + g.hours(2, 30)
			cnt.sellerCancels[i]++
		}
	}
	if o.cancel != cancelNone {
		o.wh = ""
		o.ship = 0
		g.writeOrder(c, o, style)
		g.writeItems(c, o)
		if o.paid != noTime && o.paid < c.cut && c.spPresale.hit(r, presaleShare) {
			g.presaleTicket(ci, c, o, i)
		}
		return
	}
	if o.paid >= c.cut {
		g.writeOrder(c, o, style)
		g.writeItems(c, o)
		return
	}
	g.fulfil(ci, c, o)
	c.okToday++
	if c.spAd.hit(r, adShare) {
		k := st.campPk.pick(r)
		o.adCost = roundTo(o.gross/st.roas, c.dec)
		cp := &st.camps[k]
		cp.orders++
		cp.sales += o.gross
		cp.spend += o.adCost
	}
	// after-sale records
	if o.delivered != noTime && o.delivered < c.cut {
		if r.Float64() < reviewShare {
			g.addReview(ci, c, o)
		}
	}
	g.writeOrder(c, o, style)
	g.writeItems(c, o)
	if o.shipped != noTime && o.shipped < c.cut {
		g.writeShipment(c, o)
	}
	if c.spPresale.hit(r, presaleShare) {
		g.presaleTicket(ci, c, o, i)
	}
	g.afterSaleTickets(ci, c, o, i)
}

// buyer returns a buyer id: a new one, or (for about 22% of orders) a repeat buyer of the country.
func (g *gen) buyer(c *ctry) string {
	r := g.r
	if c.nBuyers > 50 && r.Float64() < repeatShare {
		return "b" + strconv.Itoa(c.buyers[r.IntN(min(c.nBuyers, buyerRing))])
	}
	g.seqBuyer++
	id := 1000000 + g.seqBuyer*7 + r.IntN(7)
	c.buyers[c.nBuyers%buyerRing] = id
	c.nBuyers++
	return "b" + strconv.Itoa(id)
}

var shipPrefix = map[string]string{ // read by key only
	"mercadoenvios": "ME", "correios": "QB", "loggi": "LG", "jt": "JT", "estafeta": "ES", "dhl": "DH",
	"servientrega": "SV", "coordinadora": "CD", "chilexpress": "CX", "bluexpress": "BX", "andreani": "AN", "oca": "OC",
}

// fulfil plans handling, the carrier journey and the promise, then applies the injected problems.
func (g *gen) fulfil(ci int, c *ctry, o *order) {
	r := g.r
	def := c.def
	st := o.st
	cnt := st.counter
	pd := g.dayIndex(c, o.paid)
	k := 1
	if o.ful == fDropOff || o.ful == fCrossBorder {
		k = 2
	}
	dd := pd + k
	for j := pd + 1; j <= dd; j++ {
		if g.closed(j) {
			dd++ // platforms extend the ship-by date over the days carriers do not collect
		}
	}
	o.deadline = g.midnight(ci, dd) + 23*secPerHour + 59*60
	if c.spLate.hit(r, 0.008) {
		o.shipped = o.deadline + g.hours(2, 20)
	} else {
		pm := g.midnight(ci, pd)
		if o.paid-pm < 13*secPerHour && r.Float64() < 0.92 {
			o.shipped = pm + g.hours(15, 20)
			if o.shipped < o.paid+secPerHour {
				o.shipped = o.paid + g.hours(1, 2)
			}
		} else {
			o.shipped = g.midnight(ci, pd+1) + g.hours(8, 15)
		}
	}
	if sd := g.dayIndex(c, o.shipped); g.closed(sd) {
		o.shipped = g.midnight(ci, sd+1) + g.hours(8, 15)
	}
	// carrier
	if st.plat == platML && o.ful == fFull {
		o.carrier = "mercadoenvios"
	} else if st.plat == platML {
		o.carrier = def.carriersML[c.carML.pick(r)].name
	} else {
		o.carrier = def.carriersOther[c.carOther.pick(r)].name
	}
	g.seqShip++
	if o.ful == fCrossBorder {
		o.shipID = "LP" + pad(10000000+g.seqShip*3+r.IntN(3), 10) + "CN"
		o.service = crossBorderServices[r.IntN(len(crossBorderServices))]
	} else {
		o.shipID = shipPrefix[o.carrier] + pad(200000000+g.seqShip*7+r.IntN(7), 11)
		o.service = localService[o.ful]
	}
	o.handed = o.shipped
	sd := g.dayIndex(c, o.shipped)
	o.attempts = 1
	var clearNormal int64
	if o.ful == fCrossBorder {
		o.departed = o.shipped + g.hours(10, 36)
		o.arrived = o.departed + g.hours(40, 72) + int64(def.xbExtraHours*g.u(0.5, 1.5)*secPerHour)
		o.submitted = o.arrived + g.hours(1, 6)
		clearNormal = int64((14 + math.Min(-22*math.Log(1-r.Float64()), 76)) * secPerHour)
		if c.spHold.hit(r, 0.001) {
			o.held = true
			o.taxReturns = 1 + r.IntN(2)
			clearNormal = g.hours(80, 150)
		} else if c.spTax.hit(r, 0.01) {
			o.taxReturns = 1
		}
		o.cleared = o.submitted + clearNormal
		ext := 1
		if r.Float64() < 0.3 {
			ext = 2
		}
		o.ofd = g.midnight(ci, g.open(g.dayIndex(c, o.cleared)+ext)) + g.hours(7, 12)
	} else {
		td := 1 + c.transit.pick(r)
		if o.ful == fFull {
			td = 1
			if r.Float64() < 0.08 {
				td = 2
			}
		}
		o.ofd = g.midnight(ci, g.open(sd+td)) + g.hours(7, 12)
	}
	o.delivered = o.ofd + g.hours(0.5, 9)
	if c.spAttempt.hit(r, 0.05) {
		o.attempts = 2
		od := g.dayIndex(c, o.ofd)
		o.delivered += g.midnight(ci, g.open(od+1)) - g.midnight(ci, od)
	}
	// the promise, from the normal journey
	nd := c.z.localDay(o.delivered)
	cd := c.z.localDay(o.created)
	slack := 0
	if u := r.Float64(); o.ful == fCrossBorder {
		slack = 1 + int(u*3) + def.xbPromise
	} else if u < 0.2 {
		slack = 0
	} else if u < 0.7 {
		slack = 1
	} else {
		slack = 2
	}
	o.estimate = nd + slack
	if c.spLateDeliv.hit(r, 0.03) {
		o.estimate = nd - 1 - r.IntN(2)
	}
	if o.estimate <= cd {
		o.estimate = cd + 1
	}
	// Problem 1: the Brazilian customs slowdown
	if o.ful == fCrossBorder && o.submitted >= c.customsFrom {
		var clear int64
		o.held = c.spHoldW.hit(r, 0.2)
		if o.held {
			clear = g.hours(200, 400)
			o.taxReturns = 1 + r.IntN(3)
		} else {
			clear = g.hours(120, 200)
			o.taxReturns = 0
			if c.spTaxW.hit(r, 0.15) {
				o.taxReturns = 1
			}
		}
		shift := o.delivered - o.ofd
		o.cleared = o.submitted + clear
		o.ofd = g.midnight(ci, g.open(g.dayIndex(c, o.cleared)+1)) + g.hours(7, 12)
		o.delivered = o.ofd + shift
	}
	// failures: lost parcels and returns to sender; Problem 2: estafeta in Mexico
	switch {
	case o.carrier == problemCarrier && o.delivered >= c.lossFrom && c.spEstLoss.hit(r, 0.22):
		o.lost = o.delivered + g.hours(-6, 18)
		o.ofd, o.delivered, o.attempts = noTime, noTime, 0
	case o.carrier == problemCarrier && o.delivered >= c.lossFrom && c.spEstRTS.hit(r, 0.08):
		o.rts = o.delivered + g.hours(72, 144)
		o.delivered, o.attempts = noTime, 3
	case c.spLost.hit(r, 0.0005):
		o.lost = o.delivered + g.hours(48, 120)
		o.ofd, o.delivered, o.attempts = noTime, noTime, 0
	case c.spRTS.hit(r, 0.003):
		o.rts = o.ofd + g.hours(96, 192)
		o.delivered, o.attempts = noTime, 3
	}
	for _, t := range []*int64{&o.lost, &o.rts} {
		if *t != noTime {
			if d := g.dayIndex(c, *t); g.closed(d) {
				*t += g.midnight(ci, d+1) - g.midnight(ci, d)
			}
		}
	}
	// what has happened by the end of the last day
	cut := func(t *int64) {
		if *t >= c.cut {
			*t = noTime
		}
	}
	for _, t := range []*int64{&o.shipped, &o.handed, &o.departed, &o.arrived, &o.submitted, &o.cleared, &o.ofd, &o.delivered, &o.lost, &o.rts} {
		cut(t)
	}
	if o.ofd == noTime && o.lost == noTime {
		o.attempts = 0
	} else if o.delivered == noTime && o.rts == noTime && o.lost == noTime {
		o.attempts = 1
	}
	if o.shipped != noTime {
		cnt.shipped[sd]++
		if o.shipped > o.deadline {
			cnt.late[sd]++
		}
	}
}

// closed tells whether carriers neither collect nor deliver on a day (Christmas, New Year).
func (g *gen) closed(i int) bool {
	_, m, d := civil(g.startDn - g.pre + i)
	return (m == 12 && d == 25) || (m == 1 && d == 1)
}

// open returns the day, or the next one when carriers are closed.
func (g *gen) open(i int) int {
	for g.closed(i) {
		i++
	}
	return i
}
