package record

import (
	"strings"
	"unicode"
)

// synonyms are the names sellers' exports give a contract column, in English, Spanish,
// Portuguese and Chinese, written as synonymKey leaves them: lower case, no accents, words
// apart, without filler words ("Nº de pedido" is "pedido", "Fecha de venta" "fecha venta").
// A column's own name ("created at" for created_at) needs no entry. One name may serve
// columns of different kinds ("valor" is an order's gross_amount and a score's value), never
// two columns of one kind (a test checks it).
var synonyms = map[string][]string{
	// identifiers
	"order_id":    {"order", "pedido", "id pedido", "orden", "id orden", "venta", "id venta", "订单号", "订单编号", "订单id", "订单", "平台订单号"},
	"shipment_id": {"shipment", "envio", "id envio", "guia", "tracking", "tracking id", "rastreio", "codigo rastreio", "rastreamento", "运单号", "物流单号", "跟踪号", "追踪号"},
	"return_id":   {"return", "devolucion", "id devolucion", "devolucao", "id devolucao", "退货单号", "退货id", "退款单号"},
	"ticket_id":   {"ticket", "case", "case id", "caso", "id caso", "chamado", "protocolo", "工单号", "工单id"},
	"review_id":   {"review", "resena", "id resena", "opiniao", "id avaliacao", "评价id", "评价编号"},
	"response_id": {"response", "respuesta", "id respuesta", "resposta", "id resposta", "问卷id", "答卷id"},
	"po_id":       {"po", "purchase order", "orden compra", "pedido compra", "采购单号", "采购订单号"},

	// where
	"platform":  {"marketplace", "canal venta", "plataforma", "平台", "销售平台"},
	"country":   {"country code", "pais", "pais destino", "国家", "国家 地区", "站点"},
	"store":     {"shop", "store name", "shop name", "tienda", "nombre tienda", "loja", "nome loja", "店铺", "店铺名称", "店铺名", "商店"},
	"warehouse": {"almacen", "bodega", "deposito", "armazem", "centro distribuicao", "仓库", "发货仓"},
	"carrier":   {"carrier name", "shipping carrier", "courier", "transportadora", "paqueteria", "transportista", "mensajeria", "物流商", "承运商", "快递公司", "物流公司"},
	"service":   {"service level", "servicio", "servico", "物流服务"},
	"supplier":  {"vendor", "proveedor", "fornecedor", "供应商"},

	// when: orders
	"created_at":            {"order date", "purchase date", "sale date", "created", "creation date", "date created", "fecha venta", "fecha creacion", "fecha pedido", "fecha compra", "fecha orden", "data venda", "data pedido", "data criacao", "data compra", "下单时间", "创建时间", "订单时间", "下单日期", "订单日期"},
	"paid_at":               {"payment date", "paid", "paid date", "fecha pago", "data pagamento", "付款时间", "支付时间"},
	"handling_deadline":     {"ship by date", "dispatch deadline", "fecha limite despacho", "prazo despacho", "prazo envio", "发货截止时间"},
	"shipped_at":            {"ship date", "shipped", "shipped date", "fecha envio", "fecha despacho", "data envio", "data despacho", "发货时间"},
	"estimated_delivery_at": {"estimated delivery", "promised date", "fecha estimada entrega", "previsao entrega", "data prevista entrega", "预计送达时间"},
	"delivered_at":          {"delivery date", "delivered", "delivered date", "fecha entrega", "data entrega", "签收时间", "送达时间", "妥投时间"},
	"cancelled_at":          {"cancellation date", "canceled at", "cancelled date", "fecha cancelacion", "data cancelamento", "取消时间"},
	"cancel_by":             {"cancelled by", "canceled by", "cancelado por", "取消方"},
	// when: shipments
	"handed_over_at":         {"pickup date", "collected at", "fecha entrega transportista", "data coleta", "揽收时间", "交接时间"},
	"departed_origin_at":     {"departure date", "fecha salida", "data saida", "起运时间", "离港时间"},
	"arrived_destination_at": {"arrival date", "fecha llegada", "data chegada", "到港时间", "抵达时间"},
	"customs_submitted_at":   {"customs declaration date", "fecha declaracion aduana", "data declaracao", "申报时间", "报关时间"},
	"customs_cleared_at":     {"customs clearance date", "fecha liberacion aduana", "data liberacao", "清关时间"},
	"customs_held":           {"held in customs", "retenido aduana", "retido alfandega", "扣关", "海关扣留"},
	"out_for_delivery_at":    {"out for delivery", "en reparto", "saiu para entrega", "派送时间"},
	"delivery_attempts":      {"intentos entrega", "tentativas entrega", "派送次数"},
	"lost_at":                {"lost date", "fecha perdida", "data extravio", "丢件时间", "丢失时间"},
	"returned_to_sender_at":  {"returned date", "devuelto remitente", "devolvido remetente", "退回时间"},
	// when: returns, tickets, reviews, surveys, purchases
	"requested_at":          {"request date", "fecha solicitud", "data solicitacao", "申请时间", "退货申请时间"},
	"received_at":           {"received date", "fecha recepcion", "data recebimento", "收货时间", "入库时间"},
	"processed_at":          {"processed date", "fecha procesamiento", "data processamento", "处理时间"},
	"first_response_at":     {"first response", "primera respuesta", "primeira resposta", "首次响应时间", "首次回复时间"},
	"resolved_at":           {"resolved", "closed at", "fecha resolucion", "fecha cierre", "data resolucao", "解决时间"},
	"responded_at":          {"response date", "fecha respuesta", "data resposta", "提交时间", "答卷时间"},
	"supplier_shipped_at":   {"supplier ship date", "fecha envio proveedor", "data envio fornecedor", "供应商发货时间"},
	"first_leg_departed_at": {"first leg departure", "头程发货时间", "头程出发时间"},
	"first_leg_arrived_at":  {"first leg arrival", "头程到达时间"},
	"expected_received_at":  {"expected date", "eta", "fecha esperada", "previsao recebimento", "预计到货时间"},
	"date":                  {"day", "report date", "fecha", "dia", "data", "日期"},

	// what
	"status":           {"order status", "estado", "estado pedido", "status pedido", "situacao", "订单状态", "状态"},
	"currency":         {"currency code", "moneda", "divisa", "moeda", "币种", "货币", "币别"},
	"fulfillment":      {"fulfillment type", "tipo logistica", "tipo envio", "forma envio", "配送方式", "履约方式"},
	"sku":              {"item sku", "seller sku", "product code", "codigo", "codigo producto", "codigo produto", "商品编码", "货号", "sku编码", "商家编码"},
	"category":         {"category name", "categoria", "类目", "分类", "商品类目"},
	"units":            {"quantity", "qty", "cantidad", "quantidade", "unidades", "数量", "件数", "销量"},
	"line":             {"linea", "linha", "行号"},
	"reason":           {"return reason", "motivo", "motivo devolucion", "motivo devolucao", "退货原因", "原因"},
	"reason_text":      {"reason detail", "comment", "comentario", "detalle", "observacao", "说明", "备注"},
	"resolution":       {"resolucion", "resolucao", "处理结果", "处理方式"},
	"channel":          {"contact channel", "canal", "渠道"},
	"is_dispute":       {"dispute", "disputa", "纠纷", "是否纠纷"},
	"dispute_outcome":  {"dispute result", "resultado disputa", "纠纷结果"},
	"csat":             {"satisfaction", "csat score", "satisfaccion", "satisfacao", "满意度"},
	"agent":            {"agente", "asesor", "atendente", "客服", "客服人员"},
	"led_to_order":     {"converted", "convirtio", "gerou pedido", "转化"},
	"rating":           {"stars", "estrellas", "calificacion", "estrelas", "avaliacao", "nota", "评分", "星级"},
	"score":            {"nps", "nps score", "puntuacion", "puntaje", "pontuacao", "nota", "评分"},
	"campaign":         {"campaign name", "ad campaign", "campana", "nombre campana", "campanha", "nome campanha", "广告活动", "广告计划", "活动"},
	"metric":           {"indicator", "metrica", "indicador", "指标"},
	"value":            {"valor", "数值", "值"},
	"tax_bill_returns": {"tax bill returned", "devoluciones factura", "devolucoes nota fiscal"},

	// how much
	"gross_amount":      {"total", "amount", "gmv", "order total", "order amount", "sales", "monto", "importe", "total venta", "valor", "valor total", "total venda", "valor venda", "订单金额", "金额", "销售额", "成交金额"},
	"platform_fee":      {"commission", "fee", "fees", "marketplace fee", "comision", "cargo venta", "tarifa venta", "comissao", "tarifa", "佣金", "平台佣金", "平台费", "平台费用"},
	"shipping_cost":     {"shipping", "shipping fee", "costo envio", "custo envio", "frete", "valor frete", "运费", "物流费"},
	"cogs":              {"cost", "product cost", "cost goods", "costo", "costo producto", "custo", "custo produto", "成本", "采购成本", "商品成本"},
	"ad_cost":           {"ad spend", "advertising cost", "ads cost", "costo publicidad", "gasto publicidad", "custo anuncios", "custo publicidade", "广告费", "广告花费"},
	"unit_price":        {"price", "precio", "precio unitario", "preco", "preco unitario", "单价", "售价"},
	"refund_amount":     {"refund", "reembolso", "monto reembolso", "valor reembolso", "退款金额", "退款"},
	"spend":             {"cost", "ad spend", "investment", "costo", "gasto", "inversion", "custo", "investimento", "花费", "消耗", "广告花费"},
	"attributed_sales":  {"sales", "revenue", "ad sales", "ventas", "vendas", "广告销售额"},
	"impressions":       {"impresiones", "impressoes", "展现量", "曝光量", "曝光"},
	"clicks":            {"clics", "cliques", "点击量", "点击"},
	"attributed_orders": {"orders", "conversions", "pedidos", "ordenes", "conversiones", "conversoes", "广告订单", "广告订单数"},
	"visits":            {"visitors", "sessions", "visitas", "sesiones", "visitantes", "sessoes", "访客数", "访问量", "流量"},
	"on_hand_units":     {"stock", "on hand", "existencias", "inventario", "estoque", "库存", "在库数量", "可用库存"},
	"unit_cost":         {"cost", "costo", "costo unitario", "custo", "custo unitario", "单位成本"},
	"inbound_units":     {"inbound", "in transit", "en transito", "em transito", "在途", "在途库存"},
	"amount":            {"total", "valor", "monto", "importe", "金额", "采购金额"},
	"per_usd":           {"rate", "exchange rate", "tipo cambio", "tasa cambio", "cambio", "taxa cambio", "汇率"},
}

// fillers are words left out of a header before it is looked up.
var fillers = map[string]bool{"de": true, "del": true, "la": true, "el": true, "da": true, "do": true, "of": true, "the": true,
	"n": true, "nº": true, "no": true, "nro": true, "num": true, "numero": true, "number": true}

// synonymKey is a header as synonyms spells it: lower case, accents removed, words split on
// anything but letters and digits, filler words dropped.
func synonymKey(h string) string {
	h = foldAccents(NormalizeHeader(h))
	words := strings.FieldsFunc(h, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := words[:0]
	for _, w := range words {
		if !fillers[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// SuggestMapping proposes, for a file's header, the contract column that each column not
// named as one probably holds: file column (normalised, see NormalizeHeader) → contract
// column of k. A column the header already has, or an earlier file column took, is not
// proposed again; nor are pseudonymised columns (buyer_ref) or headers that name personal data.
func SuggestMapping(k *Kind, header []string) map[string]string {
	taken := map[string]bool{}
	for _, h := range header {
		if n := NormalizeHeader(h); k.Col(n) >= 0 {
			taken[n] = true
		}
	}
	byKey := map[string]string{}
	for _, c := range k.Columns {
		if c.Pseudo {
			continue
		}
		byKey[synonymKey(c.Name)] = c.Name
		for _, s := range synonyms[c.Name] {
			byKey[s] = c.Name
		}
	}
	out := map[string]string{}
	for _, h := range header {
		n := NormalizeHeader(h)
		if k.Col(n) >= 0 || PersonalHeader(n) {
			continue
		}
		col, ok := byKey[synonymKey(h)]
		if !ok || taken[col] {
			continue
		}
		taken[col] = true
		out[n] = col
	}
	return out
}
