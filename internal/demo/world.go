package demo

// The demo seller: a Shenzhen company selling on four platforms in five Latin American countries.

const (
	platML = iota
	platAmazon
	platShopee
	platShein
	nPlat
)

var (
	platformName   = [nPlat]string{"mercadolibre", "amazon", "shopee", "shein"}
	platformPrefix = [nPlat]string{"ml", "amz", "shp", "shn"}
	platformFee    = [nPlat]float64{0.155, 0.15, 0.135, 0.12}
	// campaigns per platform and their share of the ad-attributed orders
	platformCampaigns = [nPlat][]string{
		{"product-ads-auto", "product-ads-top-sellers"},
		{"sp-auto", "sp-manual", "sb-brand"},
		{"search-ads", "discovery-ads"},
		{"shein-boost"},
	}
	campaignShare = [nPlat][]float64{{0.6, 0.4}, {0.5, 0.35, 0.15}, {0.65, 0.35}, {1}}
)

// Fulfilment types (the contract's values).
const (
	fFull = iota
	fCrossDocking
	fDropOff
	fOwn
	fCrossBorder
	nFul
)

var fulfillmentName = [nFul]string{"full", "cross_docking", "drop_off", "own_warehouse", "cross_border_direct"}

// fulfilment mix per platform (full is moved to cross_docking/own where the country has no
// platform fulfilment centre in this demo)
var fulfillmentMix = [nPlat][nFul]float64{
	platML:     {0.45, 0.20, 0.08, 0, 0.27},
	platAmazon: {0.55, 0, 0, 0.20, 0.25},
	platShopee: {0, 0, 0.30, 0.45, 0.25},
	platShein:  {0, 0, 0, 0.45, 0.55},
}

// shipping cost borne by the seller, USD per parcel
var shippingUSD = [nFul][2]float64{{2.0, 2.7}, {2.4, 3.1}, {2.6, 3.3}, {2.8, 3.6}, {3.8, 4.9}}

var localService = [nFul]string{"full", "colecta", "drop_off", "standard", ""}
var crossBorderServices = []string{"yanwen-special-line", "cainiao-standard", "4px-express"}

type weighted struct {
	name string
	w    float64
}

type countryDef struct {
	code, currency, zone, lang string
	orders                     float64 // orders per day at scale 1 (before trend and season)
	plat                       [nPlat]float64
	stores                     [nPlat]int
	hasFull                    bool
	fullWH, ownWH              string
	crossBorder                float64 // multiplies the cross-border share of the mix
	carriersML, carriersOther  []weighted
	localTransit               []float64 // P(1, 2, 3 … days) from handover to delivery (non-full)
	xbExtraHours               float64   // extra line-haul hours to this country
	xbPromise                  int       // extra promised days for cross-border
	priceIndex                 float64   // local price level against the USD list price
	shipFactor                 float64
	fx, fxDrift, fxVol         float64 // per_usd at the start, drift per day, daily volatility
}

var countryDefs = []countryDef{
	{code: "BR", currency: "BRL", zone: "America/Sao_Paulo", lang: "pt", orders: 105,
		plat: [nPlat]float64{0.46, 0.12, 0.30, 0.12}, stores: [nPlat]int{2, 1, 2, 1},
		hasFull: true, fullWH: "br-sp-fulfillment", ownWH: "br-sp-1", crossBorder: 0.8,
		carriersML:    []weighted{{"mercadoenvios", 0.55}, {"loggi", 0.2}, {"correios", 0.15}, {"jt", 0.1}},
		carriersOther: []weighted{{"correios", 0.35}, {"loggi", 0.35}, {"jt", 0.3}},
		localTransit:  []float64{0.70, 0.25, 0.05}, xbExtraHours: 24, xbPromise: 1,
		priceIndex: 1.12, shipFactor: 1, fx: 5.42, fxVol: 0.006},
	{code: "MX", currency: "MXN", zone: "America/Mexico_City", lang: "es", orders: 85,
		plat: [nPlat]float64{0.55, 0.25, 0.08, 0.12}, stores: [nPlat]int{2, 1, 1, 1},
		hasFull: true, fullWH: "mx-cdmx-fulfillment", ownWH: "mx-cdmx-1", crossBorder: 0.7,
		carriersML:    []weighted{{"estafeta", 0.7}, {"mercadoenvios", 0.15}, {"jt", 0.1}, {"dhl", 0.05}},
		carriersOther: []weighted{{"estafeta", 0.75}, {"jt", 0.12}, {"dhl", 0.13}},
		localTransit:  []float64{0.72, 0.25, 0.03}, xbExtraHours: 0, xbPromise: 0,
		priceIndex: 1.1, shipFactor: 1, fx: 18.6, fxVol: 0.005},
	{code: "CO", currency: "COP", zone: "America/Bogota", lang: "es", orders: 40,
		plat: [nPlat]float64{0.68, 0.08, 0.12, 0.12}, stores: [nPlat]int{1, 1, 1, 1},
		ownWH: "co-bog-1", crossBorder: 0.55,
		carriersML:    []weighted{{"mercadoenvios", 0.6}, {"servientrega", 0.25}, {"coordinadora", 0.15}},
		carriersOther: []weighted{{"servientrega", 0.55}, {"coordinadora", 0.45}},
		localTransit:  []float64{0.72, 0.24, 0.04}, xbExtraHours: 12, xbPromise: 1,
		priceIndex: 1.08, shipFactor: 0.95, fx: 3950, fxVol: 0.005},
	{code: "CL", currency: "CLP", zone: "America/Santiago", lang: "es", orders: 38,
		plat: [nPlat]float64{0.60, 0.10, 0.12, 0.18}, stores: [nPlat]int{1, 1, 1, 1},
		ownWH: "cl-scl-1", crossBorder: 0.5,
		carriersML:    []weighted{{"mercadoenvios", 0.6}, {"chilexpress", 0.25}, {"bluexpress", 0.15}},
		carriersOther: []weighted{{"chilexpress", 0.5}, {"bluexpress", 0.5}},
		localTransit:  []float64{0.72, 0.25, 0.03}, xbExtraHours: 12, xbPromise: 1,
		priceIndex: 1.08, shipFactor: 1.05, fx: 945, fxVol: 0.005},
	{code: "AR", currency: "ARS", zone: "America/Argentina/Buenos_Aires", lang: "es", orders: 32,
		plat: [nPlat]float64{0.78, 0.06, 0.08, 0.08}, stores: [nPlat]int{1, 1, 1, 1},
		ownWH: "ar-bue-1", crossBorder: 0.45,
		carriersML:    []weighted{{"mercadoenvios", 0.65}, {"andreani", 0.25}, {"oca", 0.10}},
		carriersOther: []weighted{{"andreani", 0.6}, {"oca", 0.4}},
		localTransit:  []float64{0.70, 0.26, 0.04}, xbExtraHours: 24, xbPromise: 2,
		priceIndex: 1.15, shipFactor: 1.1, fx: 1180, fxDrift: 0.0005, fxVol: 0.004},
}

const (
	crossBorderWH  = "cn-shenzhen"
	cnyPerUSD      = 7.18
	whSKUs         = 40  // SKUs stocked per local warehouse
	countrySKUs    = 130 // SKUs listed per country
	skusPerCat     = 25
	agentsPerCtry  = 5
	buyerRing      = 8192
	repeatShare    = 0.22
	adShare        = 0.25 // orders attributed to ads
	presaleShare   = 0.06 // orders preceded by a pre-sale chat that converted
	reviewShare    = 0.45 // delivered orders that get a review
	chatConversion = 0.30
)

type category struct {
	id, prefix string
	lo, hi     float64 // USD list price range
	weight     float64 // popularity
	supplier   string
}

var categories = []category{
	{"electronics_accessories", "ELA", 12, 55, 1.3, "sup-sz-xinda"},
	{"home_kitchen", "HOM", 9, 45, 1.1, "sup-yw-huamei"},
	{"beauty", "BEA", 6, 28, 1.0, "sup-gz-lianfa"},
	{"toys", "TOY", 8, 40, 0.9, "sup-st-chenghai"},
	{"phone_cases", "PHC", 5, 14, 1.4, "sup-sz-xinda"},
	{"apparel", "APP", 9, 38, 1.0, "sup-gz-lianfa"},
	{"sports", "SPT", 10, 55, 0.7, "sup-yw-huamei"},
	{"auto_parts", "AUT", 12, 70, 0.6, "sup-nb-kaida"},
}

var suppliers = []string{"sup-sz-xinda", "sup-yw-huamei", "sup-gz-lianfa", "sup-st-chenghai", "sup-nb-kaida"}

var returnReasons = []weighted{
	{"defective", 0.2}, {"changed_mind", 0.18}, {"not_as_described", 0.15}, {"size_fit", 0.13},
	{"damaged", 0.12}, {"wrong_item", 0.06}, {"late_delivery", 0.05}, {"missing_parts", 0.06}, {"other", 0.05},
}

var reasonText = map[string][2]string{ // pt, es
	"defective":        {"Produto parou de funcionar", "El producto dejó de funcionar"},
	"changed_mind":     {"Desisti da compra", "Ya no lo necesito"},
	"not_as_described": {"Diferente do anúncio", "No es como en la publicación"},
	"size_fit":         {"Tamanho não serviu", "La talla no me quedó"},
	"damaged":          {"Chegou quebrado", "Llegó roto"},
	"wrong_item":       {"Recebi outro produto", "Me llegó otro producto"},
	"late_delivery":    {"Chegou tarde demais", "Llegó demasiado tarde"},
	"missing_parts":    {"Faltam peças", "Faltan piezas"},
	"other":            {"Outro motivo", "Otro motivo"},
}

var resolutions = []weighted{{"refund", 0.72}, {"replace", 0.12}, {"partial", 0.1}, {"reject", 0.06}}
