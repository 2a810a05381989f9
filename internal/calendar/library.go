package calendar

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/br"
)

// Brazil and Argentina take their holidays from rickar/cal, corrected where it disagrees with the
// official lists (each correction is marked LIBRARY FIX; library_test.go pins the library's
// behaviour so that an upgrade that changes it is noticed). The library's holidays are package
// variables of its own: they are only read here, never changed.

// lib is the date the library computes for h (its actual date, not its "observed" one).
func lib(h *cal.Holiday) dateFn {
	return func(y int) (time.Time, time.Time, bool) {
		actual, _ := h.Calc(y)
		if actual.IsZero() {
			return none()
		}
		return one(dateOf(actual))
	}
}

// brazil: federal holidays of Lei 662/1949, Lei 6.802/1980, Lei 10.607/2002 and Lei 14.759/2023,
// as the federal government's yearly Portaria lists them, plus Brazil's retail events.
func brazil() []rule {
	return []rule{
		holiday("new_year", n("元旦", "Año Nuevo", "Confraternização Universal", "New Year's Day"), lib(br.AnoNovo)),
		// Paixão de Cristo is legally a municipal religious holiday (Lei 9.093/1995) but every
		// municipality keeps it and the federal Portaria lists it as a national holiday.
		holiday("good_friday", n("耶稣受难日", "Viernes Santo", "Paixão de Cristo", "Good Friday"),
			lib(br.SextaFeiraSanta)),
		holiday("tiradentes", n("蒂拉登特斯日", "Día de Tiradentes", "Tiradentes", "Tiradentes Day"),
			lib(br.Tiradentes)),
		holiday("labour_day", nLabourDay(), lib(br.Trabalhador)),
		holiday("independence", n("独立日", "Independencia de Brasil", "Independência do Brasil",
			"Independence Day"), lib(br.Independencia)),
		holiday("nossa_senhora_aparecida", n("阿帕雷西达圣母节", "Nuestra Señora Aparecida",
			"Nossa Senhora Aparecida", "Our Lady of Aparecida"), lib(br.NossaSenhoraAparecida)),
		holiday("finados", n("万灵节", "Día de los Fieles Difuntos", "Finados", "All Souls' Day"), lib(br.Finados)),
		holiday("republic", n("共和国宣言日", "Proclamación de la República", "Proclamação da República",
			"Republic Proclamation Day"), lib(br.Republica)),
		// LIBRARY FIX: rickar/cal lacks the Dia Nacional de Zumbi e da Consciência Negra, a national
		// holiday since Lei 14.759/2023 (first observed 20 November 2024).
		holiday("black_consciousness", n("黑人意识日", "Día de la Conciencia Negra",
			"Dia Nacional de Zumbi e da Consciência Negra", "Black Consciousness Day"),
			since(2024, on(time.November, 20))),
		holiday("christmas", nChristmas(), lib(br.Natal)),

		// LIBRARY FIX: rickar/cal has Carnaval as a one-day public holiday on Tuesday (Easter−47).
		// It is no federal holiday: the Portaria makes both Monday and Tuesday (Easter−48, −47)
		// "ponto facultativo" (a state holiday in Rio de Janeiro only). Two optional days here.
		optional("carnaval", nCarnival(), span(shift(lib(br.Carnaval), -1), 2)),
		// LIBRARY FIX: rickar/cal has Corpus Christi as a public holiday; federally it is "ponto
		// facultativo" (a municipal holiday in São Paulo, Rio and many other cities).
		optional("corpus_christi", nCorpusChristi(), lib(br.CorpusChristi)),

		retail("dia_das_maes", nMothersDay(), nth(time.May, time.Sunday, 2)),
		retail("dia_dos_namorados", n("巴西情人节", "Día de los Enamorados", "Dia dos Namorados",
			"Brazilian Valentine's Day"), on(time.June, 12)),
		retail("dia_dos_pais", n("父亲节", "Día del Padre", "Dia dos Pais", "Father's Day"),
			nth(time.August, time.Sunday, 2)),
		retail("dia_das_criancas", nChildrensDay(), on(time.October, 12)),
	}
}

// argentina: Ley 27.399 (2017): inamovible holidays, trasladable holidays (moved by arMove) and
// the "días no laborables" (Jueves Santo, and the up to three tourism bridge days the executive
// fixes each year, which are data in events.yaml).
func argentina() []rule {
	return []rule{
		holiday("new_year", nNewYear(), lib(ar.NewYear)),
		// The library has the two days as two holidays; one two-day Carnaval here, like Brazil's.
		holiday("carnaval", nCarnival(), span(lib(ar.CarnivalDay1), 2)),
		holiday("memory_day", n("真相与正义全国纪念日", "Día Nacional de la Memoria por la Verdad y la Justicia",
			"Dia Nacional da Memória pela Verdade e Justiça", "Day of Remembrance for Truth and Justice"),
			lib(ar.TruethDay)),
		holiday("malvinas", n("马尔维纳斯战争老兵与阵亡者纪念日", "Día del Veterano y de los Caídos en la Guerra de Malvinas",
			"Dia do Veterano e dos Caídos na Guerra das Malvinas", "Malvinas War Veterans Day"),
			lib(ar.MalvinasVeterans)),
		// LIBRARY FIX: rickar/cal's "Viernes Santo" (ar.EasternsDay) is Easter−3, a Thursday. Good
		// Friday is Easter−2; the Thursday is Jueves Santo, a día no laborable (optional).
		holiday("good_friday", nGoodFriday(), lib(aa.GoodFriday)),
		optional("holy_thursday", nHolyThursday(), lib(ar.EasternsDay)),
		holiday("labour_day", nLabourDay(), lib(ar.LaborDay)),
		holiday("may_revolution", n("五月革命纪念日", "Día de la Revolución de Mayo", "Dia da Revolução de Maio",
			"May Revolution Day"), lib(ar.RevolutionDay)),
		// LIBRARY FIX (this and the other three trasladables): rickar/cal moves Saturday to Friday
		// and Sunday to Monday. Ley 27.399 art. 6 leaves weekends alone and moves Tuesday and
		// Wednesday to the Monday before, Thursday and Friday to the Monday after (arMove). The
		// executive sometimes decrees otherwise: override the year in events.yaml.
		holiday("guemes", n("古埃梅斯将军逝世纪念日", "Paso a la Inmortalidad del Gral. Martín Miguel de Güemes",
			"Passagem à Imortalidade do General Güemes", "General Güemes Day"), arMove(lib(ar.GuemesDay))),
		// LIBRARY FIX: rickar/cal moves 20 June off weekends; under Ley 27.399 it is inamovible.
		holiday("flag_day", n("国旗日(贝尔格拉诺将军逝世纪念日)", "Paso a la Inmortalidad del Gral. Manuel Belgrano (Día de la Bandera)",
			"Dia da Bandeira (General Belgrano)", "Flag Day (General Belgrano)"), lib(ar.BelgranoDay)),
		holiday("independence", n("独立日", "Día de la Independencia", "Dia da Independência da Argentina",
			"Independence Day"), lib(ar.IndependenceDay)),
		holiday("san_martin", n("圣马丁将军逝世纪念日", "Paso a la Inmortalidad del Gral. José de San Martín",
			"Passagem à Imortalidade do General San Martín", "General San Martín Day"), arMove(lib(ar.SanMartinDay))),
		holiday("cultural_diversity", n("文化多样性尊重日", "Día del Respeto a la Diversidad Cultural",
			"Dia do Respeito à Diversidade Cultural", "Day of Respect for Cultural Diversity"),
			arMove(lib(ar.DiversityDay))),
		holiday("sovereignty", n("国家主权日", "Día de la Soberanía Nacional", "Dia da Soberania Nacional",
			"National Sovereignty Day"), arMove(lib(ar.SovereigntyDay))),
		holiday("immaculate_conception", nImmaculate(), lib(ar.VirgenDay)),
		holiday("christmas", nChristmas(), lib(ar.ChristmasDay)),

		// CACE's events, three days from a Monday: Hot Sale on the second Monday of May
		// (2023–2025 fit), CyberMonday on the first Monday of November (2024, 2025 fit).
		announced("hot_sale", nHotSale(), span(nth(time.May, time.Monday, 2), 3)),
		announced("cybermonday", n("阿根廷网购星期一(CyberMonday)", "CyberMonday", "CyberMonday",
			"CyberMonday (Argentina)"), span(nth(time.November, time.Monday, 1), 3)),
	}
}

// arMove: Ley 27.399 art. 6 for the trasladable holidays.
func arMove(f dateFn) dateFn {
	return moved(f, func(d time.Time) time.Time {
		switch d.Weekday() {
		case time.Tuesday:
			return d.AddDate(0, 0, -1)
		case time.Wednesday:
			return d.AddDate(0, 0, -2)
		case time.Thursday:
			return d.AddDate(0, 0, 4)
		case time.Friday:
			return d.AddDate(0, 0, 3)
		}
		return d
	})
}
