// Package apigw turns API Gateway HTTP API (payload 2.0) events into what
// handlers need and their results back into responses, so handlers stay thin.
package apigw

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/tallyhq/tally/shared/web/apierr"
)

// Request and Response are the HTTP API payload 2.0 event and answer.
type (
	Request  = events.APIGatewayV2HTTPRequest
	Response = events.APIGatewayV2HTTPResponse
	Handler  = func(context.Context, Request) (Response, error)
)

// Header returns a request header by name, whatever its case (API Gateway
// lower-cases them; tests and the dev server may not).
func Header(req Request, name string) string {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Cookie returns the value of a request cookie, or "".
func Cookie(req Request, name string) string {
	raw := req.Cookies
	if len(raw) == 0 {
		if h := Header(req, "Cookie"); h != "" {
			raw = strings.Split(h, ";")
		}
	}
	for _, c := range raw {
		k, v, ok := strings.Cut(strings.TrimSpace(c), "=")
		if ok && k == name {
			return v
		}
	}
	return ""
}

// Body returns the raw request body, decoding base64 when API Gateway sent it
// so.
func Body(req Request) ([]byte, error) {
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, apierr.BadRequest("invalid_body", "body is not valid base64")
		}
		return b, nil
	}
	return []byte(req.Body), nil
}

// Reply is every answer's start: a status, a body of a content type that
// is never sniffed, and extra headers as name, value pairs.
func Reply(status int, contentType, body string, headers ...string) Response {
	h := map[string]string{"Content-Type": contentType, "X-Content-Type-Options": "nosniff"}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return Response{StatusCode: status, Headers: h, Body: body}
}

// JSONType is the content type of every JSON answer.
const JSONType = "application/json; charset=utf-8"

// JSON answers v as JSON with the given status.
func JSON(status int, v any) Response {
	b, err := json.Marshal(v)
	if err != nil {
		return Reply(http.StatusInternalServerError, JSONType, `{"error":{"code":"internal","message":"internal error; try again"}}`)
	}
	return RawJSON(status, string(b))
}

// RawJSON answers a JSON document already written (a stored answer
// replayed as it was).
func RawJSON(status int, body string) Response {
	return Reply(status, JSONType, body, "Cache-Control", "no-store")
}

// CSV answers a download: body is the CSV, name the file it is saved as.
func CSV(name string, body []byte) Response {
	return Reply(http.StatusOK, "text/csv; charset=utf-8", string(body),
		"Content-Disposition", `attachment; filename="`+name+`"`, "Cache-Control", "no-store")
}

// Compress gzips a response body when the request accepts gzip and the body
// is worth it (an HTTP API does not compress).
func Compress(req Request, r Response) Response {
	if len(r.Body) < 1024 || r.IsBase64Encoded || !strings.Contains(Header(req, "Accept-Encoding"), "gzip") {
		return r
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write([]byte(r.Body))
	_ = zw.Close()
	r.Body = base64.StdEncoding.EncodeToString(buf.Bytes())
	r.IsBase64Encoded = true
	r.Headers["Content-Encoding"] = "gzip"
	return r
}

// Error answers an error with the spec's JSON error body. Errors that are not
// an *apierr.Error are logged and become a 500 that reveals nothing.
func Error(log *slog.Logger, err error) Response {
	e := apierr.From(err)
	if e == apierr.Internal {
		log.Error("internal error", "err", err.Error())
	}
	return JSON(e.Status, apierr.Body{Error: e})
}

// Logger returns the structured logger for one request, carrying the request
// ids of API Gateway and Lambda.
func Logger(ctx context.Context, base *slog.Logger, req Request) *slog.Logger {
	l := base.With("request_id", req.RequestContext.RequestID, "route", req.RouteKey)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		l = l.With("aws_request_id", lc.AwsRequestID)
	}
	return l
}

// HTTPS says whether the request reached the API over https: API Gateway
// always sets X-Forwarded-Proto (only https), the dev server sets "http".
func HTTPS(req Request) bool { return Header(req, "X-Forwarded-Proto") != "http" }

// BaseURL is the URL the API was reached on (scheme and host), used to build
// absolute links when no public_base_url is configured.
func BaseURL(req Request) string {
	host := req.RequestContext.DomainName
	if host == "" {
		host = Header(req, "Host")
	}
	scheme := "https"
	if p := Header(req, "X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	return scheme + "://" + host
}
