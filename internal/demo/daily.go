package demo

import (
	"math"
)

const (
	leadDays   = 41 // expected purchase order lead time, created → received
	reviewDays = 7  // purchase orders are placed weekly
	safetyDays = 12
	aovUSD     = 32.0
)

// initStock sets the opening stock and the purchase orders already in transit at the start.
func (g *gen) initStock(ci int, c *ctry) {
	i0 := g.pre
	for _, w := range c.whs {
		for k := range w.onHand {
			w.onHand[k] = int(math.Round(w.expUnits[k] * (g.cum[ci][i0+safetyDays+4] - g.cum[ci][i0])))
		}
	}
	for i := g.pre - 49; i < g.pre; i++ {
		if weekday(g.startDn-g.pre+i) == 1 {
			g.planPOs(ci, c, i, true)
		}
	}
}

func (g *gen) receive(c *ctry, i int) {
	for _, w := range c.whs {
		keep := w.pipeline[:0]
		for _, po := range w.pipeline {
			if po.recvDay <= i {
				for _, l := range po.lines {
					w.onHand[l.k] += l.qty
				}
				continue
			}
			keep = append(keep, po)
		}
		w.pipeline = keep
	}
}

// planPOs places the weekly purchase orders of a country's warehouses, one per supplier: an
// order-up-to policy on the demand forecast (which knows the retail calendar). Before the
// window (warm) each order covers a week of demand at its arrival.
func (g *gen) planPOs(ci int, c *ctry, i int, warm bool) {
	cum := g.cum[ci]
	fc := func(k int, w *warehouse, from, to int) float64 {
		from = min(max(from, 0), g.n)
		to = min(max(to, 0), g.n)
		return w.expUnits[k] * (cum[to] - cum[from])
	}
	for _, w := range c.whs {
		for sup := range suppliers {
			var lines []poLine
			for k, sk := range w.skus {
				if g.skus[sk].supplier != sup {
					continue
				}
				var q float64
				if warm {
					q = fc(k, w, i+leadDays, i+leadDays+reviewDays)
				} else {
					pos := w.onHand[k]
					for _, po := range w.pipeline {
						for _, l := range po.lines {
							if l.k == k {
								pos += l.qty
							}
						}
					}
					lead := fc(k, w, i, i+leadDays+reviewDays)
					// safety stock: days of cover plus a margin for the noise of a slow seller
					q = fc(k, w, i, i+leadDays+reviewDays+safetyDays) + 2.5*math.Sqrt(lead) - float64(pos)
				}
				if q <= 0 {
					continue
				}
				lines = append(lines, poLine{k: k, qty: int(math.Ceil(q/5)) * 5})
			}
			if len(lines) > 0 {
				g.placePO(ci, c, w, sup, i, lines, warm)
			}
		}
	}
}

func (g *gen) placePO(ci int, c *ctry, w *warehouse, sup, i int, lines []poLine, warm bool) {
	po := &purchaseOrder{supplier: suppliers[sup], lines: lines}
	b := appendDate(nil, g.startDn-g.pre+i)
	po.id = "PO-" + w.code + "-" + string(b[0:4]) + string(b[5:7]) + string(b[8:10]) + "-" + itoa(sup+1)
	po.created = g.midnight(ci, i) + g.hours(9, 18)
	po.shipped = po.created + g.hours(8*24, 12*24)
	po.departed = po.shipped + g.hours(24, 72)
	po.arrived = po.departed + g.hours(23*24, 27*24)
	po.received = po.arrived + g.hours(48, 96)
	po.expected = g.midnight(ci, i+47) + 18*secPerHour
	if c.spPOLate.hit(g.r, 0.02) {
		po.received = po.expected + g.hours(24, 120)
	}
	po.shipDay = g.dayIndex(c, po.shipped)
	po.recvDay = g.dayIndex(c, po.received)
	if !(warm && po.recvDay < g.pre) {
		w.pipeline = append(w.pipeline, po)
	}
	units := 0
	amount := 0.0
	fx := g.cnyFx[i]
	for _, l := range lines {
		sk := &g.skus[w.skus[l.k]]
		units += l.qty
		amount += float64(l.qty) * math.Round(sk.usd*sk.cogs*0.7*fx*100) / 100 // FOB share of the landed cost
	}
	cut := func(t int64) int64 {
		if t >= c.cut {
			return noTime
		}
		return t
	}
	s := g.pos
	s.begin(g.style())
	s.str(po.id)
	s.str(po.supplier)
	s.str(c.code)
	s.str(w.code)
	s.ts(c.z, po.created)
	s.ts(c.z, cut(po.shipped))
	s.ts(c.z, cut(po.departed))
	s.ts(c.z, cut(po.arrived))
	s.ts(c.z, cut(po.received))
	s.ts(c.z, po.expected)
	s.int(int64(units))
	s.str("CNY")
	s.num(amount, 2)
	s.end()
}

func (g *gen) endOfDay(ci int, c *ctry, i int) {
	r := g.r
	def := c.def
	dn := g.startDn - g.pre + i
	fx := g.fx[ci][i]
	lambda := def.orders * g.cfg.Scale * g.mult[ci][i]
	// inventory snapshot
	for _, w := range c.whs {
		for k, skIdx := range w.skus {
			sk := &g.skus[skIdx]
			inbound := 0
			for _, po := range w.pipeline {
				if po.shipDay <= i {
					for _, l := range po.lines {
						if l.k == k {
							inbound += l.qty
						}
					}
				}
			}
			s := g.inventory
			s.begin(styleNaive)
			s.date(dn)
			s.str(w.code)
			s.str(c.code)
			s.str(sk.id)
			s.str(categories[sk.cat].id)
			s.int(int64(max(w.onHand[k], 0)))
			s.num(roundTo(sk.usd*sk.cogs*fx, c.dec), c.dec)
			s.str(def.currency)
			s.int(int64(inbound))
			s.end()
		}
	}
	ordersToday := 0
	for _, st := range c.stores {
		ordersToday += st.today
		ls := lambda * st.weight
		// traffic
		visits := 0
		if st.today > 0 {
			visits = int(float64(st.today)/g.u(0.031, 0.039) + 0.5)
		} else {
			visits = int(ls/0.035*g.u(0.8, 1.2) + 0.5)
		}
		s := g.traffic
		s.begin(styleNaive)
		s.date(dn)
		s.str(platformName[st.plat])
		s.str(st.id)
		s.str(c.code)
		s.int(int64(visits))
		s.end()
		// ads
		for k := range st.camps {
			cp := &st.camps[k]
			share := campaignShare[st.plat][k]
			spend, clicks := cp.spend*g.u(1.0, 1.08), 0
			if cp.orders == 0 {
				spend = ls * adShare * share * aovUSD * def.priceIndex * fx / 6 * g.u(0.1, 0.25)
				clicks = int(spend/(0.25*fx)*g.u(0.8, 1.2) + 0.5)
			} else {
				clicks = int(float64(cp.orders)/g.u(0.07, 0.11) + 0.5)
			}
			spend = roundTo(spend, c.dec)
			if spend <= 0 {
				continue
			}
			impressions := int(float64(clicks)/g.u(0.006, 0.012) + 0.5)
			s := g.ads
			s.begin(styleNaive)
			s.date(dn)
			s.str(platformName[st.plat])
			s.str(st.id)
			s.str(c.code)
			s.str(cp.name)
			s.str(def.currency)
			s.num(spend, c.dec)
			s.num(roundTo(cp.sales, c.dec), c.dec)
			s.int(int64(impressions))
			s.int(int64(clicks))
			s.int(int64(cp.orders))
			s.end()
		}
		// pre-sale chats that did not convert
		n := int(ls*presaleShare*(1-chatConversion)/chatConversion*g.u(0.9, 1.1) + r.Float64())
		for j := 0; j < n; j++ {
			t := &ticket{st: st, presale: true, channel: g.presaleChannel(c, st),
				created: g.midnight(ci, i) + int64(hourPicker.pick(r))*secPerHour + int64(r.IntN(secPerHour))}
			if t.created >= g.midnight(ci, i+1) {
				t.created = g.midnight(ci, i+1) - 60
			}
			g.addTicket(ci, c, t, i)
		}
	}
	g.disputes(ci, c, i, c.okToday)
	g.returnsOfDay(ci, c, i)
	c.okToday = 0
	// NPS survey answers
	n := int(float64(ordersToday)*0.18*g.u(0.9, 1.1) + r.Float64())
	det := c.qDet.take(r, n, 0.10, 0.2)
	pass := c.qPass.take(r, n-det, 0.27, 0.4)
	for j, k := range r.Perm(n) {
		_ = j
		st := c.stores[c.storePk.pick(r)]
		score := 9 + r.IntN(2)
		switch {
		case k < det:
			score = [...]int{2, 3, 4, 5, 5, 6, 6, 6}[r.IntN(8)]
		case k < det+pass:
			score = 7 + r.IntN(2)
		}
		g.seqNPS++
		t := g.midnight(ci, i) + int64(8+r.IntN(14))*secPerHour + int64(r.IntN(secPerHour))
		s := g.nps
		s.begin(g.style())
		s.str("NPS" + pad(g.seqNPS, 9))
		s.str(platformName[st.plat])
		s.str(st.id)
		s.str(c.code)
		s.int(int64(score))
		s.ts(c.z, t)
		s.end()
	}
	g.flushReviews(ci, c, i)
	g.flushTickets(ci, c, i)
	g.platformScores(c, i, dn)
}

func sumRange(a []int, from, to int) int {
	t := 0
	for j := max(from, 0); j <= to; j++ {
		t += a[j]
	}
	return t
}

// platformScores writes what each platform reports about the store, over the platform's own
// windows, from the same events as the records.
func (g *gen) platformScores(c *ctry, i, dn int) {
	for _, st := range c.stores {
		cnt := st.counter
		from := func(days int) int { return max(i-days+1, g.pre) }
		rate := func(num, den []int, days int) (float64, bool) {
			d := sumRange(den, from(days), i)
			if d == 0 {
				return 0, false
			}
			return float64(sumRange(num, from(days), i)) / float64(d), true
		}
		write := func(metric string, v float64, ok bool, dec int) {
			if !ok {
				return
			}
			s := g.scores
			s.begin(styleNaive)
			s.date(dn)
			s.str(platformName[st.plat])
			s.str(st.id)
			s.str(c.code)
			s.str(metric)
			s.num(v, dec)
			s.end()
		}
		rating := func(days int) (float64, bool) {
			n := sumRange(cnt.reviews, from(days), i)
			if n == 0 {
				return 0, false
			}
			return float64(sumRange(cnt.ratingSum, from(days), i)) / float64(n), true
		}
		switch st.plat {
		case platML:
			v, ok := rate(cnt.disputes, cnt.orders, 60)
			write("claims_rate", v, ok, 4)
			v, ok = rate(cnt.late, cnt.shipped, 60)
			write("delayed_handling_rate", v, ok, 4)
			v, ok = rate(cnt.sellerCancels, cnt.orders, 60)
			write("cancellations_rate", v, ok, 4)
		case platAmazon:
			n := sumRange(cnt.orders, from(60), i)
			if n > 0 {
				def := sumRange(cnt.disputes, from(60), i) + sumRange(cnt.negReviews, from(60), i)
				write("order_defect_rate", float64(def)/float64(n), true, 4)
			}
			v, ok := rate(cnt.late, cnt.shipped, 30)
			write("late_shipment_rate", v, ok, 4)
			v, ok = rate(cnt.sellerCancels, cnt.orders, 7)
			write("pre_fulfillment_cancel_rate", v, ok, 4)
		case platShopee:
			v, ok := rate(cnt.late, cnt.shipped, 7)
			write("late_shipment_rate", v, ok, 4)
			v, ok = rate(cnt.sellerCancels, cnt.orders, 7)
			write("non_fulfillment_rate", v, ok, 4)
			v, ok = rate(cnt.fastReplies, cnt.tickets, 30)
			write("chat_response_rate", v, ok, 4)
			v, ok = rating(90)
			write("shop_rating", v, ok, 2)
		case platShein:
			v, ok := rate(cnt.late, cnt.shipped, 30)
			write("late_shipment_rate", v, ok, 4)
			v, ok = rating(90)
			write("product_rating", v, ok, 2)
		}
	}
}
