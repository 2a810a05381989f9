package metric_test

// Fixtures of the KPI tests: one tenant per theme, so that one database can hold them all
// (the conformance test loads every one into both engines). Expected values are worked out
// by hand next to each test, from the rows below. Dates are in March 2026 unless noted:
// Sunday 03-01, Monday 03-02 (ISO week 2026-03-02 .. 03-08), Monday 03-09.
//
// Time zones: BR America/Sao_Paulo is UTC-3 all year; MX America/Mexico_City is UTC-6;
// CL America/Santiago falls back at 2026-04-05 00:00 -03 to 2026-04-04 23:00 -04.

// sales: orders by created_at, traffic, ads and dispute tickets. All amounts in USD.
//
//	order  country created (local)          status     cancel  gross fee ship cogs ad  buyer category
//	S0     BR      02-10 10:00              delivered          20    2   1    8    0   b6    shoes
//	S1     BR      03-02 10:00              delivered          100   10  5    40   5   b1    shoes
//	S2     BR      03-02 23:50 (03-03 UTC)  paid               50    5   5    20   0   b2    (empty)
//	S3     MX      03-02 12:00 (-06:00)     shipped            200   20  10   90   10  b3    bags
//	S4     BR      03-02 10:00 (13:00Z)     cancelled  seller  80    8   4    30   2   b4    shoes
//	S5     MX      03-02 09:00              cancelled  buyer   60    6   3    25   1   -     bags
//	S6     BR      03-02 15:00              paid               -     -   -    -    -   b1    shoes
//	S7     BR      03-02 22:30 (01:30Z)     paid               30    3   2    10   1   b6    shoes
//	S8     BR      03-03 00:10              paid               40    4   2    15   1   b7    shoes
//	S9     MX      03-09 10:00              paid               120   12  6    50   4   b3    bags
var salesData = dataset{tenant: "sales", files: []file{
	{"orders", `
		order_id,platform,country,store,created_at,cancelled_at,cancel_by,status,currency,gross_amount,platform_fee,shipping_cost,cogs,ad_cost,buyer_ref,category
		S0,mercadolibre,BR,s1,2026-02-10 10:00:00,,,delivered,USD,20,2,1,8,0,b6,shoes
		S1,mercadolibre,BR,s1,2026-03-02 10:00:00,,,delivered,USD,100,10,5,40,5,b1,shoes
		S2,mercadolibre,BR,s1,2026-03-02 23:50:00,,,paid,USD,50,5,5,20,0,b2,
		S3,mercadolibre,MX,s1,2026-03-02T12:00:00-06:00,,,shipped,USD,200,20,10,90,10,b3,bags
		S4,mercadolibre,BR,s1,2026-03-02T13:00:00Z,2026-03-02T15:00:00Z,seller,cancelled,USD,80,8,4,30,2,b4,shoes
		S5,mercadolibre,MX,s1,2026-03-02 09:00:00,2026-03-02 11:00:00,buyer,cancelled,USD,60,6,3,25,1,,bags
		S6,mercadolibre,BR,s1,2026-03-02 15:00:00,,,paid,,,,,,,b1,shoes
		S7,mercadolibre,BR,s1,2026-03-03T01:30:00Z,,,paid,USD,30,3,2,10,1,b6,shoes
		S8,mercadolibre,BR,s1,2026-03-03 00:10:00,,,paid,USD,40,4,2,15,1,b7,shoes
		S9,mercadolibre,MX,s1,2026-03-09 10:00:00,,,paid,USD,120,12,6,50,4,b3,bags
	`},
	{"traffic", `
		date,platform,store,country,visits
		2026-03-02,mercadolibre,s1,BR,300
		2026-03-02,mercadolibre,s1,MX,50
		2026-03-04,mercadolibre,s1,BR,100
	`},
	{"ads", `
		date,platform,store,country,campaign,currency,spend,attributed_sales
		2026-03-02,mercadolibre,s1,BR,c1,USD,25,100
		2026-03-02,mercadolibre,s1,MX,c2,USD,15,30
		2026-03-03,mercadolibre,s1,BR,c1,USD,10,20
		2026-03-09,mercadolibre,s1,MX,c2,USD,12,48
	`},
	{"tickets", `
		ticket_id,platform,store,country,channel,created_at,is_dispute
		T1,mercadolibre,s1,BR,claim,2026-03-02 12:00:00,true
		T2,mercadolibre,s1,BR,chat,2026-03-02 13:00:00,false
		T3,mercadolibre,s1,MX,claim,2026-03-02 14:00:00,yes
		T4,mercadolibre,s1,BR,message,2026-03-02 15:00:00,
	`},
}}

// salesUpdate re-imports S3 with gross_amount 260 instead of 200 (everything else equal).
const salesUpdate = `
	order_id,platform,country,store,created_at,cancelled_at,cancel_by,status,currency,gross_amount,platform_fee,shipping_cost,cogs,ad_cost,buyer_ref,category
	S3,mercadolibre,MX,s1,2026-03-02T12:00:00-06:00,,,shipped,USD,260,20,10,90,10,b3,bags
`

// ship: orders by shipped_at and delivered_at, and returns. All BR (UTC-3) but H7-H9 (CL,
// around the fall-back of 2026-04-05).
//
//	order created      paid         deadline     shipped (local)       est    delivered     cost cat
//	H1    03-01 10:00  03-01 12:00  03-03 12:00  03-02 12:00           03-05  03-04 10:00   4    shoes
//	H2    03-01 08:00  -            03-02 08:00  03-02 14:00           03-04  03-05 09:00   6    (empty)
//	H3    03-02 06:00  03-02 06:00  -            03-02 18:00           -      03-04 06:00   5    shoes
//	H4    02-27 10:00  02-27 10:00  03-01 10:00  03-02 10:00           03-06  03-06 23:00   5    bags
//	H5    03-02 08:00  03-02 09:00  03-03 09:00  03-02 23:30 (02:30Z)  -      -             3    bags
//	H6    03-03 09:00  -            03-03 08:00  03-03 09:00           -      -             2    shoes
//	H7 CL 04-04 20:00  04-04 22:00  -            04-04 23:30 (naive)   -      -             1    shoes
//	H8 CL 04-04 21:00  -            -            2026-04-05T03:30Z     -      -             1    shoes
//	H9 CL 04-04 22:00  -            -            04-05 02:00 (naive)   -      -             1    shoes
var shipData = dataset{tenant: "ship", files: []file{
	{"orders", `
		order_id,platform,country,store,created_at,paid_at,handling_deadline,shipped_at,estimated_delivery_at,delivered_at,currency,shipping_cost,carrier,warehouse,category,sku
		H1,mercadolibre,BR,s1,2026-03-01 10:00:00,2026-03-01 12:00:00,2026-03-03 12:00:00,2026-03-02 12:00:00,2026-03-05,2026-03-04 10:00:00,USD,4,correios,w1,shoes,A
		H2,mercadolibre,BR,s1,2026-03-01 08:00:00,,2026-03-02 08:00:00,2026-03-02 14:00:00,2026-03-04,2026-03-05 09:00:00,USD,6,correios,w1,,B
		H3,mercadolibre,BR,s1,2026-03-02 06:00:00,2026-03-02 06:00:00,,2026-03-02 18:00:00,,2026-03-04 06:00:00,USD,5,loggi,w1,shoes,A
		H4,mercadolibre,BR,s1,2026-02-27 10:00:00,2026-02-27 10:00:00,2026-03-01 10:00:00,2026-03-02 10:00:00,2026-03-06,2026-03-06 23:00:00,USD,5,loggi,w1,bags,C
		H5,mercadolibre,BR,s1,2026-03-02 08:00:00,2026-03-02 09:00:00,2026-03-03 09:00:00,2026-03-03T02:30:00Z,,,USD,3,correios,w1,bags,C
		H6,mercadolibre,BR,s1,2026-03-03 09:00:00,,2026-03-03 08:00:00,2026-03-03 09:00:00,,,USD,2,correios,w1,shoes,A
		H7,mercadolibre,CL,s1,2026-04-04 20:00:00,2026-04-04 22:00:00,,2026-04-04 23:30:00,,,USD,1,chilexpress,w2,shoes,A
		H8,mercadolibre,CL,s1,2026-04-04 21:00:00,,,2026-04-05T03:30:00Z,,,USD,1,chilexpress,w2,shoes,A
		H9,mercadolibre,CL,s1,2026-04-04 22:00:00,,,2026-04-05 02:00:00,,,USD,1,chilexpress,w2,shoes,A
	`},
	{"returns", `
		return_id,platform,store,country,category,reason,requested_at,received_at,processed_at
		R1,mercadolibre,s1,BR,shoes,damaged,2026-03-04 10:00:00,2026-03-06 10:00:00,2026-03-07 16:00:00
		R2,mercadolibre,s1,BR,bags,size_fit,2026-03-05 12:00:00,2026-03-07 08:00:00,2026-03-09 08:00:00
		R3,mercadolibre,s1,BR,shoes,,2026-03-07 09:00:00,,
	`},
}}

// logistics: shipments (closing, delivery attempts, customs).
//
//	id  country carrier  service submitted     cleared       held  tax att  closed
//	P1  BR      correios std     03-01 08:00   03-02 08:00   false 0   1    delivered 03-05 10:00
//	P2  BR      correios std     03-01 09:00   03-03 21:00   true  2   2    delivered 03-05 15:00
//	P3  BR      loggi    exp     03-01 10:00   -             sim   1   -    lost 03-05 12:00
//	P4  MX      estafeta std     03-02 12:00   03-03 00:00   -     -   -    delivered 03-05 18:00
//	P5  BR      correios std     03-02 08:00   03-02 20:00   no    0   3    returned 03-05 09:00
//	P6  BR      correios (empty) -             -             -     -   1    delivered 03-06 10:00
var logisticsData = dataset{tenant: "logistics", files: []file{
	{"shipments", `
		shipment_id,platform,store,country,carrier,service,customs_submitted_at,customs_cleared_at,customs_held,tax_bill_returns,delivery_attempts,delivered_at,lost_at,returned_to_sender_at
		P1,mercadolibre,s1,BR,correios,std,2026-03-01 08:00:00,2026-03-02 08:00:00,false,0,1,2026-03-05 10:00:00,,
		P2,mercadolibre,s1,BR,correios,std,2026-03-01 09:00:00,2026-03-03 21:00:00,true,2,2,2026-03-05 15:00:00,,
		P3,mercadolibre,s1,BR,loggi,exp,2026-03-01 10:00:00,,sim,1,,,2026-03-05 12:00:00,
		P4,mercadolibre,s1,MX,estafeta,std,2026-03-02 12:00:00,2026-03-03 00:00:00,,,,2026-03-05 18:00:00,,
		P5,mercadolibre,s1,BR,correios,std,2026-03-02 08:00:00,2026-03-02 20:00:00,no,0,3,,,2026-03-05 09:00:00
		P6,mercadolibre,s1,BR,correios,,,,,,1,2026-03-06 10:00:00,,
	`},
}}

// supply: purchase orders, daily inventory of warehouse w1 and the orders that ship its cogs.
//
//	inventory  A (shoes, cost 5)  B (bags, cost 8)  value
//	03-01      10                 0                 50
//	03-02      8                  5                 80
//	03-03      0                  0                 0
//	03-04      6                  5                 70
//
// Orders shipped: O1 03-02 cogs 90 (A), O2 03-03 cogs 40 (B), O3 04-01 cogs 1000 (A).
var supplyData = dataset{tenant: "supply", files: []file{
	{"purchase_orders", `
		po_id,country,warehouse,created_at,supplier_shipped_at,first_leg_departed_at,first_leg_arrived_at,received_at,expected_received_at
		PO1,BR,w1,2026-03-01 10:00:00,2026-03-11 10:00:00,2026-03-12 00:00:00,2026-04-01 12:00:00,2026-04-03 12:00:00,2026-04-05 00:00:00
		PO2,BR,w1,2026-02-20 00:00:00,2026-03-11 12:00:00,2026-03-13 00:00:00,2026-04-01 00:00:00,2026-04-03 08:00:00,2026-04-02 00:00:00
		PO3,MX,w2,2026-03-05 00:00:00,,,,2026-04-03 10:00:00,
	`},
	{"inventory", `
		date,warehouse,country,sku,category,on_hand_units,unit_cost,currency
		2026-03-01,w1,BR,A,shoes,10,5,USD
		2026-03-01,w1,BR,B,bags,0,8,USD
		2026-03-02,w1,BR,A,shoes,8,5,USD
		2026-03-02,w1,BR,B,bags,5,8,USD
		2026-03-03,w1,BR,A,shoes,0,5,USD
		2026-03-03,w1,BR,B,bags,0,8,USD
		2026-03-04,w1,BR,A,shoes,6,5,USD
		2026-03-04,w1,BR,B,bags,5,8,USD
	`},
	{"orders", `
		order_id,platform,country,store,created_at,shipped_at,currency,cogs,warehouse,sku,category
		O1,mercadolibre,BR,s1,2026-03-01 09:00:00,2026-03-02 10:00:00,USD,90,w1,A,shoes
		O2,mercadolibre,BR,s1,2026-03-02 09:00:00,2026-03-03 10:00:00,USD,40,w1,B,bags
		O3,mercadolibre,BR,s1,2026-03-30 09:00:00,2026-04-01 10:00:00,USD,1000,w1,A,shoes
	`},
}}

// service: tickets, reviews and NPS responses (BR unless noted).
//
//	ticket channel  created      first response  resolved     dispute csat led
//	K1     chat     03-02 09:00  03-02 11:00     03-02 12:00  false   5    true
//	K2     question 03-02 10:00  03-04 12:00     03-04 12:00  false   3    false
//	K3     claim    03-02 11:00  03-02 17:00     03-05 09:00  true    4    -
//	K4     claim    03-02 12:00  -               -            true    -    -
//	K5     whatsapp 03-02 13:00  03-02 13:30     03-04 10:00  -       -    -
//	K6     email    03-03 08:00  03-05 08:00     03-05 08:00  false   2    -
var serviceData = dataset{tenant: "service", files: []file{
	{"tickets", `
		ticket_id,platform,store,country,channel,created_at,first_response_at,resolved_at,is_dispute,csat,led_to_order
		K1,mercadolibre,s1,BR,chat,2026-03-02 09:00:00,2026-03-02 11:00:00,2026-03-02 12:00:00,false,5,true
		K2,mercadolibre,s1,BR,question,2026-03-02 10:00:00,2026-03-04 12:00:00,2026-03-04 12:00:00,false,3,false
		K3,mercadolibre,s1,BR,claim,2026-03-02 11:00:00,2026-03-02 17:00:00,2026-03-05 09:00:00,true,4,
		K4,mercadolibre,s1,BR,claim,2026-03-02 12:00:00,,,true,,
		K5,mercadolibre,s1,BR,whatsapp,2026-03-02 13:00:00,2026-03-02 13:30:00,2026-03-04 10:00:00,,,
		K6,mercadolibre,s1,BR,email,2026-03-03 08:00:00,2026-03-05 08:00:00,2026-03-05 08:00:00,false,2,
	`},
	{"reviews", `
		review_id,platform,store,country,category,rating,created_at
		V1,mercadolibre,s1,BR,shoes,5,2026-03-02 10:00:00
		V2,mercadolibre,s1,BR,shoes,4,2026-03-02 11:00:00
		V3,mercadolibre,s1,BR,bags,2,2026-03-02 12:00:00
		V4,mercadolibre,s1,BR,,1,2026-03-02 13:00:00
		V5,mercadolibre,s1,BR,bags,3,2026-03-02 14:00:00
		V6,mercadolibre,s1,BR,shoes,5,2026-03-03 10:00:00
	`},
	{"nps_responses", `
		response_id,platform,store,country,score,responded_at
		N1,mercadolibre,s1,BR,10,2026-03-02 10:00:00
		N2,mercadolibre,s1,BR,9,2026-03-02 10:10:00
		N3,mercadolibre,s1,BR,10,2026-03-02 10:20:00
		N4,mercadolibre,s1,BR,8,2026-03-02 10:30:00
		N5,mercadolibre,s1,BR,7,2026-03-02 10:40:00
		N6,mercadolibre,s1,BR,6,2026-03-02 10:50:00
		N7,mercadolibre,s1,MX,9,2026-03-02 11:00:00
		N8,mercadolibre,s1,MX,2,2026-03-02 11:10:00
		N9,mercadolibre,s1,BR,5,2026-03-03 10:00:00
		N10,mercadolibre,s1,BR,3,2026-03-03 11:00:00
	`},
}}

// fx: BRL and USD orders with BRL rates on 03-02 and 03-04 only (03-03 is missing), CNY
// rates on 03-01 and 03-04.
//
//	order created      amount          cogs
//	F1    03-02 10:00  100 BRL         40 BRL
//	F2    03-03 10:00  50 BRL          -
//	F3    03-04 10:00  60 BRL          -
//	F4    03-03 11:00  15 USD          -
var fxData = dataset{tenant: "fx", files: []file{
	{"orders", `
		order_id,platform,country,store,created_at,currency,gross_amount,cogs
		F1,mercadolibre,BR,s1,2026-03-02 10:00:00,BRL,100,40
		F2,mercadolibre,BR,s1,2026-03-03 10:00:00,BRL,50,
		F3,mercadolibre,BR,s1,2026-03-04 10:00:00,BRL,60,
		F4,mercadolibre,BR,s1,2026-03-03 11:00:00,USD,15,
	`},
	{"fx_rates", `
		date,currency,per_usd
		2026-03-02,BRL,5
		2026-03-04,BRL,4
		2026-03-01,CNY,7
		2026-03-04,CNY,7.2
	`},
}}

// edges: orders placed minutes from local midnight, with offset, Z and naive timestamps,
// and around Chile's fall-back (2026-04-05 00:00 -03 becomes 2026-04-04 23:00 -04, so the
// local times 23:00-23:59 of 04-04 happen twice; a naive one means the earlier instant).
//
//	order country created_at                 instant (UTC)      local day
//	E1    BR      2026-03-02 23:50:00        03-03 02:50        03-02
//	E2    BR      2026-03-03T01:30:00Z       03-03 01:30        03-02 (22:30 -03)
//	E3    BR      2026-03-02T23:59:00-03:00  03-03 02:59        03-02
//	E4    BR      2026-03-03T03:00:00Z       03-03 03:00        03-03 (00:00 -03)
//	E5    BR      2026-03-03 00:10:00        03-03 03:10        03-03
//	E6    MX      2026-03-02T23:30:00-06:00  03-03 05:30        03-02
//	E7    CL      2026-04-04 23:30:00        04-05 02:30        04-04 (the first 23:30, -03)
//	E8    CL      2026-04-05T03:30:00Z       04-05 03:30        04-04 (the second 23:30, -04)
//	E9    CL      2026-04-05T04:00:00Z       04-05 04:00        04-05 (00:00 -04)
//	E10   CL      2026-04-05 00:30:00        04-05 04:30        04-05
var edgesData = dataset{tenant: "edges", files: []file{
	{"orders", `
		order_id,platform,country,store,created_at
		E1,mercadolibre,BR,s1,2026-03-02 23:50:00
		E2,mercadolibre,BR,s1,2026-03-03T01:30:00Z
		E3,mercadolibre,BR,s1,2026-03-02T23:59:00-03:00
		E4,mercadolibre,BR,s1,2026-03-03T03:00:00Z
		E5,mercadolibre,BR,s1,2026-03-03 00:10:00
		E6,mercadolibre,MX,s1,2026-03-02T23:30:00-06:00
		E7,mercadolibre,CL,s1,2026-04-04 23:30:00
		E8,mercadolibre,CL,s1,2026-04-05T03:30:00Z
		E9,mercadolibre,CL,s1,2026-04-05T04:00:00Z
		E10,mercadolibre,CL,s1,2026-04-05 00:30:00
	`},
}}

// allData is every fixture tenant.
var allData = []dataset{salesData, shipData, logisticsData, supplyData, serviceData, fxData, edgesData}
