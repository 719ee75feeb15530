package web

import (
	"bytes"
	"crypto/subtle"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/csrf"
)

// formRule is how one audience's forms are checked: the most a form may
// hold, whether it must say it is a form, and what each refusal says. The
// three audiences kept the limits and words they had when each checked its
// own forms; the check itself is one.
type formRule struct {
	limit     int
	strict    bool // the body must say it is a form (Content-Type) and be a well-formed one
	crossSite string
	noToken   string // no session token, or a body that cannot be read
	badToken  string
	warn      bool // log a cross-site post (the sign-in forms: an attack on a visitor)
}

var (
	ownerForms = formRule{limit: 16 << 10, strict: true,
		crossSite: "this form can only be sent from this site",
		noToken:   "the form is missing its token or is from another session: reload the page and try again",
		badToken:  "the form is missing its token or is from another session: reload the page and try again"}
	affiliateForms = formRule{limit: 4 << 10,
		crossSite: "cross-site request refused",
		noToken:   "sign in to change your mail setting",
		badToken:  "this form has expired; reload the page"}
	signInForms = formRule{limit: 8 << 10, warn: true,
		crossSite: "this form can only be sent from this site",
		badToken:  "the form's token does not match the session; reload the page"}
)

// sameSite refuses a POST another site made a browser send (csrf.CrossSite).
func (fr formRule) sameSite(r *Request) error {
	if !csrf.CrossSite(r.Request) {
		return nil
	}
	if fr.warn {
		r.Log.Warn("cross-site post refused", "origin", apigw.Header(r.Request, "Origin"), "sec_fetch_site", apigw.Header(r.Request, "Sec-Fetch-Site"))
	}
	return forbidden(fr.crossSite)
}

// fields reads an HTML form's fields within the limit: nil when the body
// cannot be read (or, strict, is not said to be a form); whole is false
// when it is not well formed (the fields read up to the fault are kept).
func (fr formRule) fields(req apigw.Request) (vals url.Values, whole bool) {
	if fr.strict && !strings.HasPrefix(apigw.Header(req, "Content-Type"), "application/x-www-form-urlencoded") {
		return nil, false
	}
	body, err := apigw.Body(req)
	if err != nil || len(body) > fr.limit {
		return nil, false
	}
	vals, err = url.ParseQuery(string(body))
	return vals, err == nil
}

// read is a session's form, checked to carry its token (want).
func (fr formRule) read(req apigw.Request, want string) (url.Values, error) {
	vals, whole := fr.fields(req)
	if vals == nil || (fr.strict && !whole) || want == "" {
		return nil, forbidden(fr.noToken)
	}
	return vals, fr.token(vals, want)
}

// readUpload is a session's form that may be an upload (multipart/form-data:
// its fields, and its one file), checked to carry its token (want); else
// read.
func (fr formRule) readUpload(req apigw.Request, want string) (url.Values, []byte, error) {
	if mt, _, _ := mime.ParseMediaType(apigw.Header(req, "Content-Type")); mt != "multipart/form-data" {
		vals, err := fr.read(req, want)
		return vals, nil, err
	}
	vals, file, ok := upload(req)
	if !ok || want == "" {
		return nil, nil, forbidden(fr.noToken)
	}
	if err := fr.token(vals, want); err != nil {
		return nil, nil, err
	}
	return vals, file, nil
}

// UploadLimit is the most the file of an owner's upload form may hold
// (an import of 1,000 affiliates is about 100 KB).
const UploadLimit = 2 << 20

// upload reads an upload form (multipart/form-data) within UploadLimit: its
// text fields and its file (the last, when several). ok is false when the
// body is not such a form.
func upload(req apigw.Request) (fields url.Values, file []byte, ok bool) {
	_, params, err := mime.ParseMediaType(apigw.Header(req, "Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, nil, false
	}
	body, err := apigw.Body(req)
	if err != nil || len(body) > UploadLimit+64<<10 {
		return nil, nil, false
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	fields = url.Values{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fields, file, true
		}
		if err != nil {
			return nil, nil, false
		}
		b, err := io.ReadAll(io.LimitReader(part, UploadLimit+1))
		if err != nil || len(b) > UploadLimit {
			return nil, nil, false
		}
		if part.FileName() != "" {
			file = b
		} else {
			fields.Add(part.FormName(), string(b))
		}
	}
}

// token is the one comparison of a form's token with the session's.
func (fr formRule) token(vals url.Values, want string) error {
	if want == "" || subtle.ConstantTimeCompare([]byte(vals.Get("csrf")), []byte(want)) != 1 {
		return forbidden(fr.badToken)
	}
	return nil
}

func forbidden(msg string) error { return fault.New(fault.Forbidden, "forbidden", "%s", msg) }
