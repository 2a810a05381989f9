package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// In a real browser, at 1440 and 390 px: a file with bad rows shows each bad cell marked
// with its reason (by a mark and text, not colour alone), a phone only the bad rows, and
// nothing scrolls sideways; the
// valid rows are applied with one click, and the rejected ones download as the user's file.
// The traffic is dated before the demo, whose numbers other tests read.
func TestBrowserImportSkipInvalid(t *testing.T) {
	browser, base := browserEnv(t)
	for _, width := range []int64{1440, 390} {
		t.Run(map[int64]string{1440: "desktop", 390: "phone"}[width], func(t *testing.T) {
			ctx := tab(t, browser)
			if err := chromedp.Do(timeout(ctx, t), chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			signIn(t, ctx, base, "analyst")
			tag := "brw-" + map[int64]string{1440: "d", 390: "p"}[width]
			file := strings.ReplaceAll(strings.ReplaceAll(skipFile(tag), "2026-11-24", "2026-01-06"), "2026-11-25", "2026-01-07")
			path := filepath.Join(t.TempDir(), "visits.csv")
			if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			navigate(t, ctx, base+"/import")
			err := chromedp.Do(timeout(ctx, t),
				chromedp.WaitVisible(chromedp.CSS(`input[type=file]`)),
				chromedp.SetValue(chromedp.CSS(`select[name=kind]`), "traffic"),
				chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{path}),
				chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#import-preview`)),
			)
			if err != nil {
				t.Fatal(err)
			}
			cells := eval[[]string](t, ctx, `[...document.querySelectorAll('#import-preview td.bad-cell')].map(td =>
				td.closest('tr').dataset.row + ' ' + td.dataset.column + ' ' + td.innerText.replace(/\s+/g, ' ').trim())`)
			want := []string{"3 visits abc not a whole number", "5 date 2026-13-01 not a date: write it as YYYY-MM-DD, like 2026-03-02"}
			if strings.Join(cells, "|") != strings.Join(want, "|") {
				t.Errorf("bad cells %q, want %q", cells, want)
			}
			if marks := eval[int](t, ctx, `[...document.querySelectorAll('#import-preview tr.bad-row .bad-mark')].filter(e => e.offsetParent).length`); marks != 2 {
				t.Errorf("%d visible marks on bad rows, want 2", marks)
			}
			// a phone shows the two bad rows only; a desktop all five
			rows := eval[int](t, ctx, `[...document.querySelectorAll('#import-preview tbody tr')].filter(r => r.offsetParent).length`)
			if want := map[int64]int{1440: 5, 390: 2}[width]; rows != want {
				t.Errorf("%d preview rows shown at %d px, want %d", rows, width, want)
			}
			if !eval[bool](t, ctx, `document.scrollingElement.scrollWidth <= window.innerWidth`) {
				t.Errorf("the report scrolls sideways at %d px", width)
			}
			clean(t, ctx, "import report")
			err = chromedp.Do(timeout(ctx, t),
				chromedp.Click(chromedp.CSS(`#import-skip`)),
				chromedp.WaitVisible(chromedp.CSS(`#import-rejects`)),
			)
			if err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(timeout(ctx, t), chromedp.Evaluate[string](`fetch(document.querySelector('#import-rejects').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			wantRejects := strings.ReplaceAll(skipRejects(tag), "2026-11-24", "2026-01-06")
			if got != wantRejects {
				t.Errorf("downloaded rejects:\n%s\nwant\n%s", got, wantRejects)
			}
			if !eval[bool](t, ctx, `document.scrollingElement.scrollWidth <= window.innerWidth`) {
				t.Errorf("the result scrolls sideways at %d px", width)
			}
			clean(t, ctx, "import result")
		})
	}
}
