package demo

import (
	"math"
	"math/rand/v2"
)

func (s *sink) dateOpt(dn int) {
	if dn == 0 {
		s.empty()
		return
	}
	s.date(dn)
}

func (s *sink) amount(v float64, dec int) { s.num(v, dec) }

func (g *gen) writeOrder(c *ctry, o *order, style int) {
	s := g.orders
	z := c.z
	st := o.st
	s.begin(style)
	s.str(o.id)
	s.str(platformName[st.plat])
	s.str(c.code)
	s.str(st.id)
	s.ts(z, o.created)
	paid := o.paid
	if paid >= c.cut {
		paid = noTime
	}
	s.ts(z, paid)
	if paid != noTime && o.deadline != noTime {
		s.ts(z, o.deadline)
	} else {
		s.empty()
	}
	s.ts(z, o.shipped)
	if o.cancel == cancelNone && paid != noTime {
		s.dateOpt(o.estimate)
	} else {
		s.empty()
	}
	s.ts(z, o.delivered)
	cancelled := o.cancelled
	if cancelled >= c.cut {
		cancelled = noTime
	}
	s.ts(z, cancelled)
	status := "pending"
	switch {
	case cancelled != noTime:
		s.str([...]string{"", "platform", "buyer", "seller"}[o.cancel])
		status = "cancelled"
	default:
		s.empty()
		switch {
		case o.rts != noTime:
			status = "returned" // returned to the seller by the carrier
		case o.delivered != noTime:
			status = "delivered"
		case o.shipped != noTime:
			status = "shipped"
		case paid != noTime:
			status = "paid"
		}
	}
	if g.r.Float64() < 0.15 && status != "returned" && status != "cancelled" {
		s.empty() // some exports leave status to be derived from the timestamps
	} else {
		s.str(status)
	}
	s.str(c.def.currency)
	s.amount(o.gross, c.dec)
	s.amount(o.fee, c.dec)
	if o.ship > 0 {
		s.amount(o.ship, c.dec)
	} else {
		s.empty()
	}
	s.amount(o.cogs, c.dec)
	if o.adCost > 0 {
		s.amount(o.adCost, c.dec)
	} else {
		s.empty()
	}
	s.str(o.buyer)
	s.str(fulfillmentName[o.ful])
	s.str(o.wh)
	s.str(o.carrier)
	sk := &g.skus[g.lines[0].k]
	s.str(sk.id)
	s.str(categories[sk.cat].id)
	s.int(int64(o.units))
	s.end()
}

func (g *gen) writeItems(c *ctry, o *order) {
	s := g.items
	for n, l := range g.lines {
		sk := &g.skus[l.k]
		s.begin(styleNaive)
		s.str(o.id)
		s.str(platformName[o.st.plat])
		s.str(o.st.id)
		s.str(c.code)
		s.int(int64(n + 1))
		s.str(sk.id)
		s.str(categories[sk.cat].id)
		s.int(int64(l.units))
		s.amount(l.price, c.dec)
		s.str(c.def.currency)
		s.end()
	}
}

func (g *gen) writeShipment(c *ctry, o *order) {
	s := g.shipments
	z := c.z
	s.begin(g.style())
	s.str(o.shipID)
	s.str(o.id)
	s.str(platformName[o.st.plat])
	s.str(o.st.id)
	s.str(c.code)
	s.str(o.carrier)
	s.str(o.service)
	s.ts(z, o.handed)
	s.ts(z, o.departed)
	s.ts(z, o.arrived)
	s.ts(z, o.submitted)
	s.ts(z, o.cleared)
	if o.submitted != noTime {
		s.boolean(o.held && (o.cleared != noTime || o.submitted+12*secPerHour < c.cut))
		s.int(int64(o.taxReturns))
	} else {
		s.empty()
		s.empty()
	}
	s.ts(z, o.ofd)
	s.int(int64(o.attempts))
	s.ts(z, o.delivered)
	s.ts(z, o.lost)
	s.ts(z, o.rts)
	s.amount(o.ship, c.dec)
	s.str(c.def.currency)
	s.end()
}

// returnsOfDay opens today's return requests on orders delivered 1 to 9 days ago: about 4% of
// the day's deliveries, never more than 12% of them on one day.
func (g *gen) returnsOfDay(ci int, c *ctry, i int) {
	r := g.r
	delivered := 0
	for _, ref := range c.closedDays[i] {
		if ref.delivered {
			delivered++
		}
	}
	k := c.qReturn.take(r, delivered, 0.04, 0.12)
	total := 0
	for d := max(i-9, 0); d <= i-1; d++ {
		total += len(c.closedDays[d])
	}
	for tries := 0; k > 0 && total > 0 && tries < 20*k; tries++ {
		j := r.IntN(total)
		var ref *orderRef
		for d := max(i-9, 0); d <= i-1; d++ {
			if j < len(c.closedDays[d]) {
				ref = c.closedDays[d][j]
				break
			}
			j -= len(c.closedDays[d])
		}
		if !ref.delivered || ref.returned {
			continue
		}
		k--
		ref.returned = true
		requested := g.midnight(ci, i) + int64(hourPicker.pick(r))*secPerHour + int64(r.IntN(secPerHour))
		requested = min(max(requested, ref.base+secPerHour), g.midnight(ci, i+1)-60)
		g.writeReturn(c, ref, requested)
	}
}

func (g *gen) writeReturn(c *ctry, ref *orderRef, requested int64) {
	r := g.r
	received := requested + g.hours(72, 168)
	processed := received + g.hours(12, 60)
	sk := &g.skus[ref.sku]
	reason := returnReasons[pickWeighted(r.Float64(), returnReasons)].name
	if categories[sk.cat].id == "apparel" && r.Float64() < 0.4 {
		reason = "size_fit"
	}
	res := resolutions[pickWeighted(r.Float64(), resolutions)].name
	refund := 0.0
	switch res {
	case "refund":
		refund = ref.price * float64(ref.units)
	case "partial":
		refund = roundTo(ref.price*float64(ref.units)*0.5, c.dec)
	}
	if received >= c.cut {
		received, processed = noTime, noTime
	} else if processed >= c.cut {
		processed = noTime
	}
	g.seqReturn++
	s := g.returns
	s.begin(g.style())
	s.str("RT" + pad(g.seqReturn, 8))
	s.str(ref.id)
	s.str(platformName[ref.st.plat])
	s.str(ref.st.id)
	s.str(c.code)
	s.str(sk.id)
	s.str(categories[sk.cat].id)
	s.str(reason)
	lang := 1
	if c.def.lang == "pt" {
		lang = 0
	}
	s.str(reasonText[reason][lang])
	s.ts(c.z, requested)
	s.ts(c.z, received)
	s.ts(c.z, processed)
	if processed != noTime {
		s.amount(refund, c.dec)
		s.str(c.def.currency)
		s.str(res)
	} else {
		s.empty()
		s.empty()
		s.empty()
	}
	s.end()
}

func pickWeighted(u float64, ws []weighted) int {
	t := 0.0
	for _, w := range ws {
		t += w.w
	}
	u *= t
	for i, w := range ws {
		if u < w.w {
			return i
		}
		u -= w.w
	}
	return len(ws) - 1
}

// review is a review waiting for its day: ratings are drawn per day, in the order of the anchor.
type review struct {
	st      *store
	orderID string
	sku     int
	created int64
}

func (g *gen) addReview(ci int, c *ctry, o *order) {
	created := o.delivered + g.hours(4, 96)
	if created >= c.cut {
		return
	}
	d := g.dayIndex(c, created)
	c.reviewDays[d] = append(c.reviewDays[d], &review{st: o.st, orderID: o.id, sku: g.lines[0].k, created: created})
}

// flushReviews writes the reviews created on day i. Negative reviews are spread so that a small
// country's day never has more than 10% of them.
func (g *gen) flushReviews(ci int, c *ctry, i int) {
	r := g.r
	batch := c.reviewDays[i]
	c.reviewDays[i] = nil
	n := len(batch)
	if n == 0 {
		return
	}
	neg := c.qNeg.take(r, n, 0.02, 0.10)
	three := 0
	if neg == 0 { // one bad review a day at most keeps a small country's average up
		three = c.qThree.take(r, n, 0.03, 0.12)
	}
	ratings := make([]int, n)
	sum := 0
	for j := range ratings {
		ratings[j] = 5
		switch {
		case j < neg:
			ratings[j] = 1 + r.IntN(2)
		case j < neg+three:
			ratings[j] = 3
		case r.Float64() < 0.18:
			ratings[j] = 4
		}
		sum += ratings[j]
	}
	for j := n - 1; j >= 0 && float64(sum) < 4.45*float64(n); j-- {
		if ratings[j] == 4 { // a small day's average stays well above 4.2
			ratings[j] = 5
			sum++
		}
	}
	for j, bi := range r.Perm(n) {
		rv := batch[bi]
		rating := ratings[j]
		cnt := rv.st.counter
		cnt.reviews[i]++
		cnt.ratingSum[i] += rating
		if rating <= 2 {
			cnt.negReviews[i]++
		}
		g.seqReview++
		sk := &g.skus[rv.sku]
		s := g.reviews
		s.begin(g.style())
		s.str("RV" + pad(g.seqReview, 9))
		s.str(platformName[rv.st.plat])
		s.str(rv.st.id)
		s.str(c.code)
		s.str(rv.orderID)
		s.str(sk.id)
		s.str(categories[sk.cat].id)
		s.int(int64(rating))
		s.ts(c.z, rv.created)
		s.end()
	}
}

// ticket is one customer conversation.
type ticket struct {
	st                    *store
	orderID, channel      string
	created, fr, resolved int64
	dispute, presale, led bool
	backlog, rated        bool
	outcome               string
	csat                  int
}

const (
	postSaleTickets  = 0.2
	csatRated        = 0.6
	csatRatedPresale = 0.2
)

// respond sets a ticket's first response and resolution.
func (g *gen) respond(ci int, c *ctry, t *ticket) {
	r := g.r
	t.backlog = t.created >= c.backlogFrom
	var delay int64
	switch {
	case t.backlog && c.spBacklog.hit(r, 0.45):
		// over 48 h, but answered within two and a half days: the KPI settles after two
		// days, and a last settled day should not look good only because its slowest
		// answers are not in the export yet
		delay = g.hours(49, 60)
	case t.backlog:
		delay = g.hours(26, 46)
	case c.spSlowResp.hit(r, 0.002):
		delay = g.hours(50, 80)
	default:
		delay = int64(min(1.8*math.Exp(r.NormFloat64()*0.8), 16) * secPerHour)
		// out of office hours the first answer waits for the morning shift
		lh := (t.created - g.midnight(ci, g.dayIndex(c, t.created))) / secPerHour
		if lh >= 22 {
			delay += g.midnight(ci, g.dayIndex(c, t.created)+1) + 8*secPerHour - t.created
		} else if lh < 7 {
			delay += g.midnight(ci, g.dayIndex(c, t.created)) + 8*secPerHour - t.created
		}
	}
	delay = max(delay, 120+int64(r.IntN(600)))
	t.fr = t.created + delay
	if t.resolved == noTime {
		if t.presale {
			t.resolved = t.fr + g.hours(0.1, 2)
		} else {
			t.resolved = t.fr + g.hours(0.5, 30)
		}
	} else if t.resolved < t.fr {
		t.resolved = t.fr + g.hours(1, 12)
	}
	rate := csatRated
	if t.presale {
		rate = csatRatedPresale
	}
	t.rated = r.Float64() < rate
}

// addTicket answers a ticket and keeps it until the day it is resolved, when its CSAT is drawn.
func (g *gen) addTicket(ci int, c *ctry, t *ticket, today int) {
	if t.created >= c.cut {
		return
	}
	g.respond(ci, c, t)
	cnt := t.st.counter
	d := g.dayIndex(c, t.created)
	cnt.tickets[d]++
	if t.fr-t.created <= 12*secPerHour && t.fr < c.cut {
		cnt.fastReplies[d]++
	}
	if t.dispute {
		cnt.disputes[d]++
	}
	b := len(c.ticketDays) - 1 // not resolved by the end: written last
	if t.resolved < c.cut {
		b = max(g.dayIndex(c, t.resolved), today)
	}
	c.ticketDays[b] = append(c.ticketDays[b], t)
}

// flushTickets writes the tickets resolved on day i (or, for the last bucket, not resolved).
// Low CSAT scores are spread so that a small country's day stays above 75%.
func (g *gen) flushTickets(ci int, c *ctry, b int) {
	r := g.r
	batch := c.ticketDays[b]
	c.ticketDays[b] = nil
	rated := 0
	for _, t := range batch {
		if t.rated && !t.backlog {
			rated++
		}
	}
	low := c.qCsat.take(r, rated, 0.06, 0.25)
	for _, t := range batch {
		if !t.rated {
			continue
		}
		switch {
		case t.backlog && r.Float64() < 0.6:
			t.csat = 1 + r.IntN(3)
		case !t.backlog && low > 0 && r.IntN(rated) < low:
			t.csat = 1 + r.IntN(3)
			low--
		case r.Float64() < 0.3:
			t.csat = 4
		default:
			t.csat = 5
		}
		if !t.backlog {
			rated--
		}
	}
	for _, t := range batch {
		g.writeTicket(c, t)
	}
}

func (g *gen) writeTicket(c *ctry, t *ticket) {
	r := g.r
	fr, resolved := t.fr, t.resolved
	if fr >= c.cut {
		fr, resolved = noTime, noTime
	} else if resolved >= c.cut {
		resolved = noTime
	}
	g.seqTicket++
	s := g.tickets
	s.begin(g.style())
	s.str("TK" + pad(g.seqTicket, 9))
	s.str(platformName[t.st.plat])
	s.str(t.st.id)
	s.str(c.code)
	s.str(t.orderID)
	s.str(t.channel)
	s.ts(c.z, t.created)
	s.ts(c.z, fr)
	s.ts(c.z, resolved)
	s.boolean(t.dispute)
	switch {
	case !t.dispute:
		s.empty()
	case resolved == noTime:
		s.str("open")
	default:
		s.str(t.outcome)
	}
	if t.csat > 0 && resolved != noTime {
		s.int(int64(t.csat))
	} else {
		s.empty()
	}
	if fr != noTime {
		s.str(c.agents[r.IntN(len(c.agents))])
	} else {
		s.empty()
	}
	if t.presale {
		s.boolean(t.led)
	} else {
		s.empty()
	}
	s.end()
}

func (g *gen) presaleChannel(c *ctry, st *store) string {
	if g.r.Float64() < 0.1 && c.code != "AR" {
		return "whatsapp"
	}
	if st.plat == platML {
		return "question"
	}
	return "chat"
}

func (g *gen) postSaleChannel(st *store) string {
	u := g.r.Float64()
	switch {
	case u < 0.05:
		return "phone"
	case st.plat == platAmazon && u < 0.35, st.plat == platShein && u < 0.5:
		return "email"
	}
	return "message"
}

func (g *gen) presaleTicket(ci int, c *ctry, o *order, today int) {
	t := &ticket{st: o.st, orderID: o.id, presale: true, led: true,
		channel: g.presaleChannel(c, o.st), created: o.created - g.hours(0.08, 3)}
	g.addTicket(ci, c, t, today)
}

func (g *gen) afterSaleTickets(ci int, c *ctry, o *order, today int) {
	r := g.r
	if o.shipped == noTime {
		return
	}
	if r.Float64() < postSaleTickets {
		g.addTicket(ci, c, &ticket{st: o.st, orderID: o.id, channel: g.postSaleChannel(o.st), created: o.shipped + g.hours(6, 144)}, today)
	}
	if o.lost != noTime && r.Float64() < 0.5 {
		g.addTicket(ci, c, &ticket{st: o.st, orderID: o.id, channel: "message", created: o.lost + g.hours(1, 48)}, today)
	}
	if o.ful == fCrossBorder && o.submitted >= c.customsFrom && o.submitted != noTime && r.Float64() < 0.25 {
		// "where is my parcel?" once the promised day has passed
		g.addTicket(ci, c, &ticket{st: o.st, orderID: o.id, channel: "message",
			created: g.midnight(ci, g.idx(o.estimate)+1) + g.hours(9, 20)}, today)
	}
	// disputes are opened later, per day (see disputes)
	base := o.delivered
	if base == noTime {
		base = o.lost
	}
	if base != noTime {
		d := g.dayIndex(c, base)
		l := g.lines[g.r.IntN(len(g.lines))]
		c.closedDays[d] = append(c.closedDays[d], &orderRef{id: o.id, st: o.st, base: base,
			delivered: o.delivered != noTime, sku: l.k, units: l.units, price: l.price})
	}
}

// orderRef is a delivered (or lost) order that a buyer may claim about or return.
type orderRef struct {
	id                  string
	st                  *store
	base                int64 // delivered (or lost) at
	delivered, returned bool
	sku, units          int // the line a return is about
	price               float64
}

// disputes opens today's claims on orders delivered 2 to 7 days ago: about 0.8% of the day's
// orders, never more than 3% of them on one day.
func (g *gen) disputes(ci int, c *ctry, i, ordersToday int) {
	r := g.r
	k := c.qDispute.take(r, ordersToday, 0.008, 0.03)
	total := 0
	for d := max(i-7, 0); d <= i-2; d++ {
		total += len(c.closedDays[d])
	}
	for ; k > 0 && total > 0; k-- {
		j := r.IntN(total)
		var ref *orderRef
		for d := max(i-7, 0); d <= i-2; d++ {
			if j < len(c.closedDays[d]) {
				ref = c.closedDays[d][j]
				break
			}
			j -= len(c.closedDays[d])
		}
		t := &ticket{st: ref.st, orderID: ref.id, channel: "claim", dispute: true,
			created: g.midnight(ci, i) + int64(hourPicker.pick(r))*secPerHour + int64(r.IntN(secPerHour))}
		if t.created >= g.midnight(ci, i+1) {
			t.created = g.midnight(ci, i+1) - 60
		}
		t.resolved = t.created + g.hours(48, 216)
		t.outcome = [...]string{"seller_won", "seller_won", "seller_won", "buyer_won", "buyer_won", "cancelled"}[r.IntN(6)]
		g.addTicket(ci, c, t, i)
	}
	if i-10 >= 0 {
		c.closedDays[i-10] = nil
	}
}

// quota spreads "bad" outcomes over days: take returns how many of today's n events are bad at
// rate p, never more than floor(n·limit); the rest carries over to later days.
type quota struct{ acc float64 }

func (q *quota) take(r *rand.Rand, n int, p, limit float64) int {
	q.acc += float64(n) * p * (0.7 + 0.6*r.Float64())
	k := int(q.acc)
	if lim := int(float64(n) * limit); k > lim {
		k = lim
	}
	q.acc = min(q.acc-float64(k), 3)
	return k
}
