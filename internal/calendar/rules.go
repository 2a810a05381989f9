package calendar

import "time"

// dateFn gives the first and last day of an occurrence in year y; ok is false when there is none.
type dateFn func(y int) (from, to time.Time, ok bool)

// rule is a holiday or event whose dates follow from the year.
type rule struct {
	id        string
	kind      Kind
	names     map[string]string
	dates     dateFn
	estimated bool // a guess at an event whose organiser announces the dates each year
}

func holiday(id string, names map[string]string, f dateFn) rule {
	return rule{id: id, kind: KindHoliday, names: names, dates: f}
}

func optional(id string, names map[string]string, f dateFn) rule {
	return rule{id: id, kind: KindOptional, names: names, dates: f}
}

func retail(id string, names map[string]string, f dateFn) rule {
	return rule{id: id, kind: KindRetail, names: names, dates: f}
}

// announced is a retail event whose organiser announces the dates each year: events.yaml has the
// known years, and this rule's guess stands in for the others, flagged Estimated.
func announced(id string, names map[string]string, f dateFn) rule {
	return rule{id: id, kind: KindRetail, names: names, dates: f, estimated: true}
}

// n lists a name in the four locales.
func n(zh, es, pt, en string) map[string]string {
	return map[string]string{"zh-CN": zh, "es": es, "pt-BR": pt, "en": en}
}

// rulesFor builds the rules of a country (fresh each call: nothing is shared between calendars).
func rulesFor(country string) []rule {
	var rs []rule
	switch country {
	case "AR":
		rs = argentina()
	case "BR":
		rs = brazil()
	case "CL":
		rs = chile()
	case "CO":
		rs = colombia()
	case "MX":
		rs = mexico()
	case "PE":
		rs = peru()
	default:
		return nil
	}
	return append(rs, everywhere(country)...)
}

// everywhere are the events of every country. Christmas is not here: it is a holiday in each
// country's list, with the id "christmas", and that Day doubles as the retail event Navidad/Natal.
func everywhere(country string) []rule {
	return []rule{
		retail("black_friday", n("黑色星期五", "Black Friday", "Black Friday", "Black Friday"),
			blackFriday(0)),
		retail("cyber_monday", n("网络星期一", "Cyber Monday", "Cyber Monday", "Cyber Monday"),
			blackFriday(3)),
		retail("singles_day", n("双十一", "11.11 (Día de los Solteros)", "11.11 (Dia dos Solteiros)",
			"11.11 Singles' Day"), on(time.November, 11)),
	}
}

// Names shared by several countries (functions, so that no map is shared).

func nNewYear() map[string]string {
	return n("元旦", "Año Nuevo", "Ano-Novo", "New Year's Day")
}

func nGoodFriday() map[string]string {
	return n("耶稣受难日", "Viernes Santo", "Sexta-feira Santa", "Good Friday")
}

func nHolyThursday() map[string]string {
	return n("圣周四(濯足节)", "Jueves Santo", "Quinta-feira Santa", "Maundy Thursday")
}

func nLabourDay() map[string]string {
	return n("劳动节", "Día del Trabajo", "Dia do Trabalhador", "Labour Day")
}

func nChristmas() map[string]string {
	return n("圣诞节", "Navidad", "Natal", "Christmas Day")
}

func nAllSaints() map[string]string {
	return n("诸圣节", "Día de Todos los Santos", "Dia de Todos os Santos", "All Saints' Day")
}

func nImmaculate() map[string]string {
	return n("圣母无染原罪节", "Inmaculada Concepción", "Imaculada Conceição", "Immaculate Conception")
}

func nAssumption() map[string]string {
	return n("圣母升天节", "Asunción de la Virgen", "Assunção de Nossa Senhora", "Assumption of Mary")
}

func nPeterPaul() map[string]string {
	return n("圣彼得和圣保罗节", "San Pedro y San Pablo", "São Pedro e São Paulo", "Saints Peter and Paul")
}

func nCorpusChristi() map[string]string {
	return n("基督圣体节", "Corpus Christi", "Corpus Christi", "Corpus Christi")
}

func nMothersDay() map[string]string {
	return n("母亲节", "Día de las Madres", "Dia das Mães", "Mother's Day")
}

func nChildrensDay() map[string]string {
	return n("儿童节", "Día del Niño", "Dia das Crianças", "Children's Day")
}

func nCarnival() map[string]string {
	return n("狂欢节", "Carnaval", "Carnaval", "Carnival")
}

func nHotSale() map[string]string {
	return n("热卖节(Hot Sale)", "Hot Sale", "Hot Sale", "Hot Sale")
}

// mexico: Ley Federal del Trabajo, art. 74 (days of mandatory rest).
func mexico() []rule {
	return []rule{
		holiday("new_year", nNewYear(), on(time.January, 1)),
		holiday("constitution_day", n("宪法日", "Día de la Constitución", "Dia da Constituição",
			"Constitution Day"), nth(time.February, time.Monday, 1)),
		holiday("benito_juarez", n("贝尼托·华雷斯诞辰纪念日", "Natalicio de Benito Juárez",
			"Natalício de Benito Juárez", "Benito Juárez's Birthday"), nth(time.March, time.Monday, 3)),
		holiday("labour_day", nLabourDay(), on(time.May, 1)),
		holiday("independence", n("独立日", "Día de la Independencia", "Dia da Independência do México",
			"Independence Day"), on(time.September, 16)),
		holiday("inauguration", n("总统就职日", "Transmisión del Poder Ejecutivo Federal", "Posse presidencial",
			"Presidential Inauguration"), mxInauguration),
		holiday("revolution", n("革命纪念日", "Día de la Revolución", "Dia da Revolução Mexicana",
			"Revolution Day"), nth(time.November, time.Monday, 3)),
		holiday("christmas", nChristmas(), on(time.December, 25)),
		// Art. 74 IX: the days of federal and local ordinary elections. Federal elections are held
		// on the first Sunday of June every three years (LGIPE art. 22) since 2021; earlier years
		// and local or extraordinary elections (all on Sundays) are not modelled: add them to
		// events.yaml when they matter.
		holiday("election_day", n("联邦选举日", "Jornada electoral", "Dia das eleições", "Election Day"),
			func(y int) (time.Time, time.Time, bool) {
				if y < 2021 || y%3 != 2 {
					return none()
				}
				return one(nthDate(y, time.June, time.Sunday, 1))
			}),

		retail("dia_del_nino", nChildrensDay(), on(time.April, 30)),
		retail("dia_de_las_madres", nMothersDay(), on(time.May, 10)),
		// AMVO's Hot Sale: about nine days from the last Monday of May (2023 and 2025 fit; 2024
		// started a week early, before the 2 June election).
		announced("hot_sale", nHotSale(), span(nth(time.May, time.Monday, -1), 9)),
		// El Buen Fin: the long weekend that ends on Revolution Day observed (3rd Monday of
		// November), Friday to Monday. 2025 ran five days (Thursday to Monday), so the rule is a
		// guess for a year the organiser has not announced.
		announced("buen_fin", n("好周末(El Buen Fin)", "El Buen Fin", "El Buen Fin", "El Buen Fin"),
			span(shift(nth(time.November, time.Monday, 3), -3), 4)),
	}
}

// mxInauguration: 1 October every six years from 2024 (constitutional reform of 2014); before,
// the president took office on 1 December (2018, 2012…).
func mxInauguration(y int) (time.Time, time.Time, bool) {
	switch {
	case y%6 != 2:
		return none()
	case y >= 2024:
		return one(date(y, time.October, 1))
	default:
		return one(date(y, time.December, 1))
	}
}

// colombia: Ley 51 de 1983 ("Ley Emiliani") and Ley 37 de 1905. Fixed days stay; the others move
// to the following Monday when they do not fall on a Monday; the Easter-based ones are Mondays.
func colombia() []rule {
	return []rule{
		holiday("new_year", nNewYear(), on(time.January, 1)),
		holiday("epiphany", n("主显节(三王节)", "Día de los Reyes Magos", "Dia de Reis", "Epiphany"),
			emiliani(on(time.January, 6))),
		holiday("saint_joseph", n("圣若瑟节", "Día de San José", "Dia de São José", "Saint Joseph's Day"),
			emiliani(on(time.March, 19))),
		holiday("holy_thursday", nHolyThursday(), easterDay(-3)),
		holiday("good_friday", nGoodFriday(), easterDay(-2)),
		holiday("labour_day", nLabourDay(), on(time.May, 1)),
		holiday("ascension", n("耶稣升天节", "Ascensión del Señor", "Ascensão do Senhor", "Ascension Day"),
			easterDay(43)),
		holiday("corpus_christi", nCorpusChristi(), easterDay(64)),
		holiday("sacred_heart", n("耶稣圣心节", "Sagrado Corazón de Jesús", "Sagrado Coração de Jesus",
			"Sacred Heart"), easterDay(71)),
		holiday("saints_peter_paul", nPeterPaul(), emiliani(on(time.June, 29))),
		holiday("independence", n("独立日", "Día de la Independencia", "Dia da Independência da Colômbia",
			"Independence Day"), on(time.July, 20)),
		holiday("battle_of_boyaca", n("博亚卡战役纪念日", "Batalla de Boyacá", "Batalha de Boyacá",
			"Battle of Boyacá"), on(time.August, 7)),
		holiday("assumption", nAssumption(), emiliani(on(time.August, 15))),
		holiday("dia_de_la_raza", n("种族日(哥伦布日)", "Día de la Raza", "Dia da Raça", "Columbus Day"),
			emiliani(on(time.October, 12))),
		holiday("all_saints", nAllSaints(), emiliani(on(time.November, 1))),
		holiday("cartagena_independence", n("卡塔赫纳独立日", "Independencia de Cartagena",
			"Independência de Cartagena", "Independence of Cartagena"), emiliani(on(time.November, 11))),
		holiday("immaculate_conception", nImmaculate(), on(time.December, 8)),
		holiday("christmas", nChristmas(), on(time.December, 25)),
	}
}

// chile: Código del Trabajo and the holiday laws cited at each rule. Election days (always
// Sundays) and one-off holidays granted by a special law are not rules: add them to events.yaml.
func chile() []rule {
	return []rule{
		holiday("new_year", nNewYear(), on(time.January, 1)),
		// Ley 20.983 (2016): 2 January is a holiday when it falls on a Monday.
		holiday("new_year_monday", n("元旦补假(1月2日)", "Feriado del 2 de enero", "Feriado de 2 de janeiro",
			"New Year holiday (2 January)"), when(on(time.January, 2), 2017, time.Monday)),
		holiday("good_friday", nGoodFriday(), easterDay(-2)),
		holiday("holy_saturday", n("圣周六", "Sábado Santo", "Sábado de Aleluia", "Holy Saturday"), easterDay(-1)),
		holiday("labour_day", nLabourDay(), on(time.May, 1)),
		holiday("navy_day", n("海军荣耀日", "Día de las Glorias Navales", "Dia das Glórias Navais", "Navy Day"),
			on(time.May, 21)),
		holiday("indigenous_peoples", n("原住民日", "Día Nacional de los Pueblos Indígenas",
			"Dia Nacional dos Povos Indígenas", "National Indigenous Peoples' Day"), clIndigenousPeoples),
		holiday("saints_peter_paul", nPeterPaul(), clMonday(on(time.June, 29))),
		holiday("virgen_del_carmen", n("卡门圣母节", "Día de la Virgen del Carmen", "Dia de Nossa Senhora do Carmo",
			"Our Lady of Mount Carmel"), on(time.July, 16)),
		holiday("assumption", nAssumption(), on(time.August, 15)),
		// Ley 20.215 (2007, as we understand it): 17 September is a holiday when it is a Monday
		// and 20 September when it is a Friday, so that Fiestas Patrias make a long weekend.
		holiday("fiestas_patrias_monday", n("国庆节补假(9月17日)", "Feriado de Fiestas Patrias (17 de septiembre)",
			"Feriado das Festas Pátrias (17 de setembro)", "National Holidays bridge (17 September)"),
			when(on(time.September, 17), 2008, time.Monday)),
		holiday("independence", n("独立日", "Independencia Nacional", "Independência do Chile", "Independence Day"),
			on(time.September, 18)),
		holiday("army_day", n("陆军荣耀日", "Día de las Glorias del Ejército", "Dia das Glórias do Exército",
			"Army Day"), on(time.September, 19)),
		holiday("fiestas_patrias_friday", n("国庆节补假(9月20日)", "Feriado de Fiestas Patrias (20 de septiembre)",
			"Feriado das Festas Pátrias (20 de setembro)", "National Holidays bridge (20 September)"),
			when(on(time.September, 20), 2008, time.Friday)),
		holiday("meeting_two_worlds", n("两个世界相遇日", "Encuentro de Dos Mundos", "Encontro de Dois Mundos",
			"Meeting of Two Worlds"), clMonday(on(time.October, 12))),
		holiday("evangelical_churches", n("福音派与新教教会日", "Día de las Iglesias Evangélicas y Protestantes",
			"Dia das Igrejas Evangélicas e Protestantes", "Evangelical and Protestant Churches Day"),
			clEvangelical),
		holiday("all_saints", nAllSaints(), on(time.November, 1)),
		holiday("immaculate_conception", nImmaculate(), on(time.December, 8)),
		holiday("christmas", nChristmas(), on(time.December, 25)),

		// Cámara de Comercio de Santiago's events, three days Monday to Wednesday. CyberDay was
		// 29–31 May in 2023 and the first Monday of June in 2024 and 2025; CyberMonday mostly the
		// first Monday of October (2024: 30 September).
		announced("cyberday", n("网购日(CyberDay)", "CyberDay", "CyberDay", "CyberDay"),
			span(nth(time.June, time.Monday, 1), 3)),
		// "cybermonday" (one word) is CCS's October event; "cyber_monday" is the Monday after
		// Black Friday.
		announced("cybermonday", n("智利网购星期一(CyberMonday)", "CyberMonday", "CyberMonday", "CyberMonday (Chile)"),
			span(nth(time.October, time.Monday, 1), 3)),
	}
}

// clMonday: Ley 19.668 (2000), as amended by Ley 19.973 (2004), for San Pedro y San Pablo and
// 12 October: on a Tuesday, Wednesday or Thursday the holiday moves to the Monday of that week, on
// a Friday to the following Monday; on a weekend or Monday it stays.
func clMonday(f dateFn) dateFn {
	return moved(f, func(d time.Time) time.Time {
		switch d.Weekday() {
		case time.Tuesday, time.Wednesday, time.Thursday:
			return d.AddDate(0, 0, -int(d.Weekday()-time.Monday))
		case time.Friday:
			return d.AddDate(0, 0, 3)
		}
		return d
	})
}

// clEvangelical: Ley 20.299 (2008): 31 October; on a Tuesday it moves to the Friday before, on a
// Wednesday to the Friday after.
func clEvangelical(y int) (time.Time, time.Time, bool) {
	if y < 2008 {
		return none()
	}
	d := date(y, time.October, 31)
	switch d.Weekday() {
	case time.Tuesday:
		d = d.AddDate(0, 0, -4)
	case time.Wednesday:
		d = d.AddDate(0, 0, 2)
	}
	return one(d)
}

// clIndigenousPeoples: Ley 21.357 (2021): 21 June in 2021, then the day of the southern winter
// solstice. We compute the solstice and take its date in continental Chile's winter time
// (UTC−4); when it falls within minutes of midnight the official decree decides (override in
// events.yaml). Checked against the days observed 2022–2025 (21, 21, 20, 20 June).
func clIndigenousPeoples(y int) (time.Time, time.Time, bool) {
	switch {
	case y < 2021:
		return none()
	case y == 2021:
		return one(date(y, time.June, 21))
	}
	return one(dateOf(juneSolstice(y).In(time.FixedZone("CLT", -4*3600))))
}

// peru: Decreto Legislativo 713 and the laws that added days since. The first years of the recent
// additions (7 June, 23 July, 6 August, 9 December) are our best understanding, not checked
// against the laws themselves; every year from 2024 on has all of them.
func peru() []rule {
	return []rule{
		holiday("new_year", nNewYear(), on(time.January, 1)),
		holiday("holy_thursday", nHolyThursday(), easterDay(-3)),
		holiday("good_friday", nGoodFriday(), easterDay(-2)),
		holiday("labour_day", nLabourDay(), on(time.May, 1)),
		holiday("arica_flag_day", n("阿里卡战役与国旗日", "Batalla de Arica y Día de la Bandera",
			"Batalha de Arica e Dia da Bandeira", "Battle of Arica and Flag Day"), since(2023, on(time.June, 7))),
		holiday("saints_peter_paul", nPeterPaul(), on(time.June, 29)),
		holiday("air_force_day", n("秘鲁空军日", "Día de la Fuerza Aérea del Perú", "Dia da Força Aérea do Peru",
			"Peruvian Air Force Day"), since(2024, on(time.July, 23))),
		holiday("independence", n("独立日", "Fiestas Patrias (Día de la Independencia)",
			"Festas Pátrias (Independência)", "Independence Day"), on(time.July, 28)),
		holiday("fiestas_patrias", n("国庆节(第二天)", "Fiestas Patrias (Gran Parada Militar)",
			"Festas Pátrias (Grande Parada Militar)", "Independence Day (second day)"), on(time.July, 29)),
		holiday("battle_of_junin", n("胡宁战役纪念日", "Batalla de Junín", "Batalha de Junín", "Battle of Junín"),
			since(2022, on(time.August, 6))),
		holiday("santa_rosa", n("利马圣罗莎节", "Santa Rosa de Lima", "Santa Rosa de Lima", "Saint Rose of Lima"),
			on(time.August, 30)),
		holiday("battle_of_angamos", n("安加莫斯海战纪念日", "Combate de Angamos", "Combate de Angamos",
			"Battle of Angamos"), on(time.October, 8)),
		holiday("all_saints", nAllSaints(), on(time.November, 1)),
		holiday("immaculate_conception", nImmaculate(), on(time.December, 8)),
		holiday("battle_of_ayacucho", n("阿亚库乔战役纪念日", "Batalla de Ayacucho", "Batalha de Ayacucho",
			"Battle of Ayacucho"), since(2022, on(time.December, 9))),
		holiday("christmas", nChristmas(), on(time.December, 25)),
	}
}

// Date arithmetic. Every date is UTC midnight.

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func none() (time.Time, time.Time, bool) { return time.Time{}, time.Time{}, false }

func one(d time.Time) (time.Time, time.Time, bool) { return d, d, true }

// easter is Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
func easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return date(y, time.Month(month), day)
}

// nthDate is the nth weekday wd of month m (n = -1: the last one).
func nthDate(y int, m time.Month, wd time.Weekday, n int) time.Time {
	if n < 0 {
		last := date(y, m+1, 0)
		return last.AddDate(0, 0, -int((last.Weekday()-wd+7)%7))
	}
	first := date(y, m, 1)
	return first.AddDate(0, 0, int((wd-first.Weekday()+7)%7)+7*(n-1))
}

func on(m time.Month, d int) dateFn {
	return func(y int) (time.Time, time.Time, bool) { return one(date(y, m, d)) }
}

func nth(m time.Month, wd time.Weekday, n int) dateFn {
	return func(y int) (time.Time, time.Time, bool) { return one(nthDate(y, m, wd, n)) }
}

func easterDay(offset int) dateFn {
	return func(y int) (time.Time, time.Time, bool) { return one(easter(y).AddDate(0, 0, offset)) }
}

// blackFriday is the Friday after the 4th Thursday of November (US Thanksgiving), plus offset days.
func blackFriday(offset int) dateFn {
	return func(y int) (time.Time, time.Time, bool) {
		return one(nthDate(y, time.November, time.Thursday, 4).AddDate(0, 0, 1+offset))
	}
}

// span makes f's first day the start of an occurrence of days days.
func span(f dateFn, days int) dateFn {
	return func(y int) (time.Time, time.Time, bool) {
		from, _, ok := f(y)
		return from, from.AddDate(0, 0, days-1), ok
	}
}

func shift(f dateFn, days int) dateFn {
	return moved(f, func(d time.Time) time.Time { return d.AddDate(0, 0, days) })
}

func moved(f dateFn, move func(time.Time) time.Time) dateFn {
	return func(y int) (time.Time, time.Time, bool) {
		from, _, ok := f(y)
		if !ok {
			return none()
		}
		return one(move(from))
	}
}

// emiliani moves a day that is not a Monday to the following Monday (Colombia, Ley 51 de 1983).
func emiliani(f dateFn) dateFn {
	return moved(f, func(d time.Time) time.Time {
		return d.AddDate(0, 0, int((time.Monday-d.Weekday()+7)%7))
	})
}

// since drops the years before first.
func since(first int, f dateFn) dateFn {
	return func(y int) (time.Time, time.Time, bool) {
		if y < first {
			return none()
		}
		return f(y)
	}
}

// when keeps f's day only from year first on and only when it falls on weekday wd.
func when(f dateFn, first int, wd time.Weekday) dateFn {
	return since(first, func(y int) (time.Time, time.Time, bool) {
		from, to, ok := f(y)
		if !ok || from.Weekday() != wd {
			return none()
		}
		return from, to, true
	})
}
