package reader

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// ordersCSV generates an orders CSV with 15 columns.
func ordersCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("order_id,platform,country,store,created_at,paid_at,shipped_at,status,currency," +
		"gross_amount,platform_fee,shipping_cost,sku,category,units\r\n")
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	platforms := []string{"mercadolibre", "amazon", "shopee", "shein"}
	countries := []string{"BR", "MX", "CO", "CL"}
	for i := range rows {
		t := t0.Add(time.Duration(i) * 17 * time.Second)
		fmt.Fprintf(&b, "%d,%s,%s,store-%d,%s,%s,%s,%s,%s,%s,%s,%s,SKU-%05d,\"Hogar, cocina\",%d\r\n",
			2000003508419013+i, platforms[i%4], countries[i%4], i%7,
			t.Format("2006-01-02 15:04:05"), t.Add(time.Minute).Format("2006-01-02 15:04:05"),
			t.Add(26*time.Hour).Format("2006-01-02T15:04:05-03:00"), "shipped", "BRL",
			strconv.FormatFloat(float64(i%9000)+0.99, 'f', 2, 64), "12.30", "8.75", i%5000, 1+i%3)
	}
	return b.Bytes()
}

func BenchmarkCSV(b *testing.B) {
	const rows = 200_000
	data := ordersCSV(rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := OpenReader("bench.csv", CSV, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, fields, err := r.Next()
			if err != nil {
				break
			}
			n += len(fields) / 15
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
		r.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkNDJSON(b *testing.B) {
	const rows = 50_000
	var buf bytes.Buffer
	for i := range rows {
		fmt.Fprintf(&buf, `{"order_id":"%d","platform":"mercadolibre","country":"BR","store":"s1","created_at":"2026-03-02 14:05:00","gross_amount":%d.99,"units":2,"paid":true,"note":null}`+"\n", i, i%900)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := OpenReader("bench.ndjson", NDJSON, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			if _, _, err := r.Next(); err != nil {
				break
			}
			n++
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
		r.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkXLSX compares a workbook without date styles (excelize only) with one that has
// a date column (excelize plus the style scanner).
func BenchmarkXLSX(b *testing.B) {
	const rows = 20_000
	for _, dates := range []bool{false, true} {
		data := workbook(b, func(f *excelize.File) {
			sw, err := f.NewStreamWriter("Sheet1")
			if err != nil {
				b.Fatal(err)
			}
			date := 0
			if dates {
				date, _ = f.NewStyle(&excelize.Style{NumFmt: 22})
			}
			hdr := []any{"order_id", "platform", "country", "store", "created_at", "gross_amount", "units",
				"sku", "category", "currency", "platform_fee", "shipping_cost", "status", "carrier", "warehouse"}
			must(b, sw.SetRow("A1", hdr))
			for i := range rows {
				created := any(46083.5 + float64(i)/1000)
				if dates {
					created = excelize.Cell{StyleID: date, Value: 46083.5 + float64(i)/1000}
				}
				cell, _ := excelize.CoordinatesToCellName(1, i+2)
				must(b, sw.SetRow(cell, []any{fmt.Sprint(2000003508419013 + i), "mercadolibre", "BR", "s1", created,
					float64(i%900) + 0.99, 1 + i%3, fmt.Sprintf("SKU-%05d", i%5000), "Hogar", "BRL", 12.3, 8.75,
					"shipped", "correios", "SP1"}))
			}
			must(b, sw.Flush())
		})
		b.Run(fmt.Sprintf("dates=%v", dates), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r, err := OpenReader("bench.xlsx", XLSX, bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					if _, _, err := r.Next(); err != nil {
						break
					}
					n++
				}
				if n != rows {
					b.Fatalf("%d rows", n)
				}
				r.Close()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
