package devserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type record struct {
	Affiliate   string   `json:"affiliate"`
	Name        string   `json:"name"`
	Email       string   `json:"email"`
	Plan        string   `json:"plan"`
	Events      []string `json:"events"`
	PayoutEmail string   `json:"payout_email"`
	Notify      string   `json:"notify"`
	Coupons     []string `json:"coupons"`
	Active      bool     `json:"active"`
	Former      bool     `json:"former"`
	Origin      string   `json:"origin"`
}

// The owner adds, edits, deactivates and removes affiliates with a key, as
// JSON (SPEC 15); every refusal names what is wrong and writes nothing,
// and every change is seen by the link and report routes at once.
func TestOwnerManagesAffiliatesAsJSON(t *testing.T) {
	x := dashboard(t)
	zoe := `{"code":"zoe","name":"Zoe Park","email":"zoe@example.org","plan":"standard","events":["summit-2026"],"payout_email":"zoe.pay@example.org","coupons":["ZOE20"]}`
	var r record
	x.ok(201, "POST", "/admin/affiliates", owner, "", zoe, &r)
	if r.Affiliate != "zoe" || r.Origin != "dashboard" || !r.Active || r.PayoutEmail != "zoe.pay@example.org" || r.Notify != "each" || len(r.Coupons) != 1 {
		t.Errorf("zoe: %+v", r)
	}
	if u := x.visit("/go/summit-2026/zoe"); u.Host != "example.com" || u.Path != "/summit" {
		t.Errorf("zoe's link leads to %s", u)
	}
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"the same code again", zoe, 409, "code_taken"},
		{"a file affiliate's code", `{"code":"jane","name":"Jane 2","email":"jane2@example.org","plan":"standard"}`, 409, "code_taken"},
		{"another's coupon code, in another case", `{"code":"amy","name":"Amy","email":"amy@example.org","plan":"standard","coupons":["zoe20"]}`, 400, "invalid_field"},
		{"an unknown plan and event", `{"code":"amy","name":"Amy","email":"amy@example.org","plan":"gold","events":["mars"]}`, 400, "invalid_field"},
		{"a field the API does not know", `{"code":"amy","name":"Amy","email":"amy@example.org","plan":"standard","tier":2}`, 400, "invalid_field"},
		{"no name", `{"code":"amy","email":"amy@example.org","plan":"standard"}`, 400, "invalid_field"},
	} {
		code, body := x.call("POST", "/admin/affiliates", owner, "", c.body)
		if code != c.status || !strings.Contains(body, `"code":"`+c.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", c.name, code, body, c.status, c.code)
		}
	}
	if code, _ := x.call("GET", "/admin/affiliates/amy", owner, "", ""); code != 404 {
		t.Errorf("a refused affiliate was written: %d", code)
	}

	// PATCH: any field but the code; kim, from the file, is the dashboard's now.
	x.ok(200, "PATCH", "/admin/affiliates/kim", owner, "", `{"name":"Kim Lee-Park","events":["gut-2026","summit-2026"],"notify":"daily"}`, &r)
	if r.Name != "Kim Lee-Park" || len(r.Events) != 2 || r.Notify != "daily" || r.Origin != "dashboard" || r.Email != "kim@example.com" {
		t.Errorf("kim after PATCH: %+v", r)
	}
	if u := x.visit("/go/summit-2026/kim"); u.Path != "/summit" {
		t.Errorf("kim's new link leads to %s", u)
	}
	for body, want := range map[string]string{`{"code":"kimmy"}`: "invalid_field", `{"email":"kim"}`: "invalid_field", `{"active":"no"}`: "invalid_field"} {
		if code, got := x.call("PATCH", "/admin/affiliates/kim", owner, "", body); code != 400 || !strings.Contains(got, want) {
			t.Errorf("PATCH %s: %d %s", body, code, got)
		}
	}
	if code, _ := x.call("PATCH", "/admin/affiliates/nobody", owner, "", `{"name":"N"}`); code != 404 {
		t.Errorf("PATCH of an unknown code: %d", code)
	}

	// Deactivated: links lead to the fallback; reactivated: they count again.
	x.ok(200, "PATCH", "/admin/affiliates/zoe", owner, "", `{"active":false}`, &r)
	if u := x.visit("/go/summit-2026/zoe"); u.String() != "https://example.com/" || r.Active {
		t.Errorf("inactive zoe's link leads to %s (%+v)", u, r)
	}
	x.ok(200, "PATCH", "/admin/affiliates/zoe", owner, "", `{"active":true}`, &r)
	if u := x.visit("/go/summit-2026/zoe"); u.Path != "/summit" || !r.Active {
		t.Errorf("reactivated zoe's link leads to %s", u)
	}

	// DELETE: kim is former, her key no longer counts, she is listed while owed, her code is never reused.
	if code, body := x.call("DELETE", "/admin/affiliates/kim", owner, "", ""); code != 204 || body != "" {
		t.Fatalf("DELETE kim: %d %s", code, body)
	}
	if code, _ := x.call("DELETE", "/admin/affiliates/kim", owner, "", ""); code != 204 {
		t.Errorf("DELETE again: %d", code)
	}
	if code, _, _ := x.report("/reports/ledger", "dev-kim-key", "application/json"); code != 403 {
		t.Errorf("removed kim's key on her ledger: %d", code)
	}
	if u := x.visit("/go/gut-2026/kim"); u.String() != "https://example.com/" {
		t.Errorf("removed kim's link leads to %s", u)
	}
	var rows struct{ Affiliates []affiliateRow }
	x.json("/admin/affiliates?month=2026-11", owner, &rows)
	listed := false
	for _, a := range rows.Affiliates {
		listed = listed || a.Affiliate == "kim"
	}
	if !listed {
		t.Error("removed kim, still owed, is not listed")
	}
	if code, body := x.call("PATCH", "/admin/affiliates/kim", owner, "", `{"name":"K"}`); code != 409 || !strings.Contains(body, "affiliate_removed") {
		t.Errorf("PATCH of a removed affiliate: %d %s", code, body)
	}
	if code, body := x.call("POST", "/admin/affiliates", owner, "", `{"code":"kim","name":"Kim 2","email":"k2@example.org","plan":"standard"}`); code != 409 || !strings.Contains(body, "code_taken") {
		t.Errorf("a removed code reused: %d %s", code, body)
	}
}

// The same with the pages' forms, as a signed-in owner: each form carries
// the session's token, the edit form the record's revision (a stale page
// changes nothing), and a bad form is a page saying what is wrong.
func TestOwnerManagesAffiliatesWithForms(t *testing.T) {
	x := dashboard(t)
	own := signIn(t, x, "accounts@example.com")
	_, pg := page(t, x, own, "/admin/affiliates?add=1")
	csrf := formFields(pg).Get("csrf")
	if csrf == "" || !strings.Contains(pg, `action="/admin/affiliates"`) || !strings.Contains(pg, `name="events" value="retreat-2026"`) {
		t.Fatalf("the add form is not on the page")
	}
	add := url.Values{"csrf": {csrf}, "fields": {"all"}, "code": {"amy"}, "name": {"Amy Wu"}, "email": {"amy@example.org"}, "plan": {"partner"},
		"events": {"summit-2026", "gut-2026"}, "payout_email": {""}, "notify": {"each"}, "coupons": {"AMY10, amy-vip"}}
	if code, loc := post(t, x, own, "/admin/affiliates", add, nil); code != 303 || loc != "/admin/affiliates/amy?done=added" {
		t.Fatalf("add form: %d %s", code, loc)
	}
	var r record
	x.ok(200, "PATCH", "/admin/affiliates/amy", owner, "", `{}`, &r)
	if r.Plan != "partner" || len(r.Events) != 2 || strings.Join(r.Coupons, ",") != "AMY10,amy-vip" || r.PayoutEmail != "amy@example.org" {
		t.Errorf("amy from the form: %+v", r)
	}
	bad := url.Values{"csrf": {csrf}, "fields": {"all"}, "code": {"Bad Code"}, "name": {"B"}, "email": {"b@example.org"}, "plan": {"standard"}}
	if code, body := page2(t, x, own, "/admin/affiliates", bad); code != 400 || !strings.Contains(body, "code: must be 2 to 32 lower-case letters") {
		t.Errorf("a bad add form: %d", code)
	}

	_, pg = page(t, x, own, "/admin/affiliates/amy?done=added")
	if !strings.Contains(pg, "Amy Wu is an affiliate now") || !strings.Contains(pg, `name="rev" value="1"`) {
		t.Fatalf("amy's page lacks the flash or the edit form")
	}
	edit := url.Values{"csrf": {csrf}, "fields": {"all"}, "rev": {"1"}, "name": {"Amy Wu-Li"}, "email": {"amy@example.org"}, "plan": {"partner"},
		"payout_email": {""}, "notify": {"none"}, "coupons": {""}} // no event box ticked: enrolled nowhere
	if code, loc := post(t, x, own, "/admin/affiliates/amy", edit, nil); code != 303 || loc != "/admin/affiliates/amy?done=saved" {
		t.Fatalf("edit form: %d %s", code, loc)
	}
	x.ok(200, "PATCH", "/admin/affiliates/amy", owner, "", `{}`, &r)
	if r.Name != "Amy Wu-Li" || len(r.Events) != 0 || len(r.Coupons) != 0 || r.Notify != "none" {
		t.Errorf("amy after the edit form: %+v", r)
	}
	// The same page sent again carries the old revision: refused, nothing changed.
	edit.Set("name", "Stale")
	if code, body := page2(t, x, own, "/admin/affiliates/amy", edit); code != 409 || !strings.Contains(body, "changed while you edited") {
		t.Errorf("a stale edit: %d", code)
	}
	deact := url.Values{"csrf": {csrf}, "rev": {"2"}, "active": {"false"}}
	if code, loc := post(t, x, own, "/admin/affiliates/amy", deact, nil); code != 303 || loc != "/admin/affiliates/amy?done=deactivated" {
		t.Errorf("deactivate: %d %s", code, loc)
	}
	_, pg = page(t, x, own, "/admin/affiliates/amy?confirm=remove")
	if !strings.Contains(pg, "Remove Amy Wu-Li for good?") || !strings.Contains(pg, "Reactivate Amy Wu-Li") {
		t.Error("amy's page: no confirmation, or no reactivate button")
	}
	// Another site's post, and one without the token, change nothing.
	if code, _ := post(t, x, own, "/admin/affiliates/amy/remove", url.Values{"csrf": {csrf}}, map[string]string{"Origin": "https://evil.example"}); code != 403 {
		t.Errorf("cross-site remove: %d", code)
	}
	if code, _ := post(t, x, own, "/admin/affiliates/amy/remove", url.Values{}, nil); code != 403 {
		t.Errorf("remove without the token: %d", code)
	}
	if code, loc := post(t, x, own, "/admin/affiliates/amy/remove", url.Values{"csrf": {csrf}}, nil); code != 303 || loc != "/admin/affiliates/amy?done=removed" {
		t.Errorf("remove: %d %s", code, loc)
	}
	_, pg = page(t, x, own, "/admin/affiliates/amy?done=removed")
	if !strings.Contains(pg, "Amy Wu-Li is removed") || strings.Contains(pg, "Save changes") {
		t.Error("a removed affiliate's page still offers the edit form")
	}
}

// page2 posts a form as a browser and reads the page it answers.
func page2(t *testing.T, x *tally, c interface {
	Do(*http.Request) (*http.Response, error)
}, path string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", x.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// POST /admin/affiliates/import: the CSV as the body with a key, or the
// page's upload form with a session; every problem by line, nothing
// written; the same file twice changes nothing.
func TestOwnerImportsAffiliates(t *testing.T) {
	x := dashboard(t)
	csvBody := "code,name,email,plan,events,payout_email,coupons\n" +
		"zoe,Zoe Park,zoe@example.org,standard,summit-2026,,ZOE20\n" +
		"liam,Liam Chen,liam@example.org,partner,gut-2026;summit-2026,liam.pay@example.org,\n"
	bad := strings.Replace(csvBody, "partner", "gold", 1)
	importCSV := func(body, ctype string) (int, string) {
		req, _ := http.NewRequest("POST", x.ts.URL+"/admin/affiliates/import", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+owner)
		req.Header.Set("Content-Type", ctype)
		resp, err := x.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := importCSV(bad, "text/csv")
	var refused struct {
		Error struct {
			Code  string
			Lines []struct {
				Line    int
				Message string
			}
		}
	}
	json.Unmarshal([]byte(body), &refused)
	if code != 422 || refused.Error.Code != "invalid_csv" || len(refused.Error.Lines) != 1 || refused.Error.Lines[0].Line != 3 ||
		refused.Error.Lines[0].Message != `plan: unknown plan "gold"` {
		t.Fatalf("a bad line: %d %s", code, body)
	}
	if code, _ := x.call("GET", "/admin/affiliates/zoe", owner, "", ""); code != 404 {
		t.Errorf("a refused import wrote zoe: %d", code)
	}
	if code, body := importCSV(csvBody, "application/json"); code != 400 || !strings.Contains(body, "text/csv") {
		t.Errorf("a CSV sent as JSON: %d %s", code, body)
	}
	for _, want := range []string{`{"imported":2,"updated":0,"unchanged":0}`, `{"imported":0,"updated":0,"unchanged":2}`} {
		if code, body := importCSV(csvBody, "text/csv; charset=utf-8"); code != 200 || strings.TrimSpace(body) != want {
			t.Errorf("import: %d %s, want %s", code, body, want)
		}
	}
	if u := x.visit("/go/gut-2026/liam"); u.Path != "/gut" {
		t.Errorf("liam's imported link leads to %s", u)
	}

	// The upload form, with the session's token.
	own := signIn(t, x, "accounts@example.com")
	_, pg := page(t, x, own, "/admin/affiliates?import=1")
	csrf := formFields(pg).Get("csrf")
	if !strings.Contains(pg, `enctype="multipart/form-data"`) || csrf == "" {
		t.Fatal("no upload form on the affiliates page")
	}
	upload := func(token, file string) (int, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("csrf", token)
		fw, _ := w.CreateFormFile("file", "affiliates.csv")
		fw.Write([]byte(file))
		w.Close()
		req, _ := http.NewRequest("POST", x.ts.URL+"/admin/affiliates/import", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Accept", "text/html")
		resp, err := own.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location") + string(body)
	}
	more := csvBody + "ava,Ava Stone,ava@example.org,standard,retreat-2026,,\n"
	if code, _ := upload("", more); code != 403 {
		t.Errorf("an upload without the token: %d", code)
	}
	if code, body := upload(csrf, strings.Replace(more, "retreat-2026", "mars", 1)); code != 422 || !strings.Contains(body, `line 4: events: unknown event &#34;mars&#34;`) {
		t.Errorf("a bad upload: %d %s", code, body)
	}
	if code, loc := upload(csrf, more); code != 303 || loc != "/admin/affiliates?done=imported&imported=1&updated=0&unchanged=2" {
		t.Errorf("upload: %d %s", code, loc)
	}
	if _, pg := page(t, x, own, "/admin/affiliates?done=imported&imported=1&updated=0&unchanged=2"); !strings.Contains(pg, "Imported: 1 new, 0 updated, 2 unchanged") {
		t.Error("the affiliates page does not say what the import did")
	}
}
