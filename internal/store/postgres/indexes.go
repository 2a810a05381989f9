package postgres

import (
	"fmt"
	"strings"

	"pulso/internal/record"
	"pulso/internal/store"
)

// localIndexes are the timestamps whose local date the KPIs bucket by most: each gets an index
// on (tenant_id, country, <timestamp>_local). Kinds keyed by date need none: their primary key
// already leads with (tenant_id, date).
var localIndexes = map[string][]string{
	"orders":        {"created_at", "shipped_at", "delivered_at"},
	"shipments":     {"handed_over_at", "delivered_at"},
	"returns":       {"requested_at"},
	"tickets":       {"created_at"},
	"reviews":       {"created_at"},
	"nps_responses": {"responded_at"},
}

// joinIndexes are other access paths: shipments found from their order.
var joinIndexes = map[string][][]string{
	"shipments": {{"platform", "store", "order_id"}},
}

// Indexes is the DDL of the secondary indexes of a kind's table, as the records migration
// holds them. It panics on a column the kind does not store (caught by the migration test).
func Indexes(k *record.Kind) []string {
	var sets [][]string
	for _, ts := range localIndexes[k.Name] {
		sets = append(sets, []string{"country", record.LocalDateColumn(ts)})
	}
	sets = append(sets, joinIndexes[k.Name]...)
	stored := map[string]bool{}
	for _, c := range k.Stored() {
		stored[c.Name] = true
	}
	var out []string
	for _, cols := range sets {
		quoted := []string{store.Ident(store.ColTenant)}
		for _, c := range cols {
			if !stored[c] {
				panic(fmt.Sprintf("postgres: index on %s.%s, which is not a stored column", k.Name, c))
			}
			quoted = append(quoted, store.Ident(c))
		}
		name := k.Table() + "_" + strings.Join(cols, "_") + "_idx"
		out = append(out, fmt.Sprintf("CREATE INDEX %s ON %s (%s);", store.Ident(name), store.Ident(k.Table()), strings.Join(quoted, ", ")))
	}
	return out
}
