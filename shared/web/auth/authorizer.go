// Package auth decides who is asking. The HTTP API's request authorizer
// runs for every report request (no identity source, no caching: see
// docs/auth.md) and passes on who it found; the web edge's gates then call
// Affiliate or Owner on what it passed.
package auth

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/session"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// AuthorizerHandler is the Lambda signature of an HTTP API request
// authorizer with simple responses.
type AuthorizerHandler = func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// What the authorizer found, in its context's "auth".
const (
	Found          = "ok"
	Missing        = "missing"         // no key and no session
	InvalidKey     = "invalid"         // an unknown or revoked key
	InvalidSession = "session_invalid" // a tampered, expired or signed-out session
)

// keyCacheTTL is how long a warm authorizer trusts a key lookup. A revoked
// key stops working within this time.
const keyCacheTTL = 60 * time.Second

type authorizer struct {
	st     *store.Store
	signer *session.Signer
	now    func() time.Time
	local  bool // the dev server: plain http is possible

	mu    sync.Mutex
	cache map[string]cachedKey
}

type cachedKey struct {
	key *store.APIKey
	at  time.Time
}

// Authorizer builds the request authorizer. It always authorizes: who (or
// that nobody) was found goes in the context, so the handler can answer
// with the spec's JSON 401, a 403, or send a browser to sign in — an HTTP
// API authorizer itself can only answer a bare 401 or 403.
func Authorizer(d *app.Deps) AuthorizerHandler {
	a := &authorizer{st: d.Store, now: d.Now, local: d.Config.Local, cache: map[string]cachedKey{}}
	if d.Config.SessionKey != "" {
		a.signer = d.SessionSigner()
	}
	return func(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		role, subject, found, token, err := a.decide(ctx, req)
		if err != nil {
			d.Log.Error("authorizer", "err", err.Error(), "request_id", req.RequestContext.RequestID)
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
		}
		c := map[string]any{"role": role, "subject": subject, "auth": found}
		if token != "" {
			c["form_token"] = token // sessions only: API keys post no forms
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: c}, nil
	}
}

// decide finds who is asking; token is the session's form token (SPEC 8:
// signed-in pages' forms carry it), "" for API keys.
func (a *authorizer) decide(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (role, subject, found, token string, err error) {
	// An Authorization header, when present, alone decides.
	if h := header(req.Headers, "authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(key) == "" {
			return "", "", InvalidKey, "", nil
		}
		k, err := a.lookup(ctx, store.HashKey(strings.TrimSpace(key)))
		if err != nil {
			return "", "", "", "", err
		}
		if k == nil {
			return "", "", InvalidKey, "", nil
		}
		return k.Role, k.Subject, Found, "", nil
	}
	value := session.FromCookies(func(name string) string { return cookie(req.Cookies, header(req.Headers, "cookie"), name) }, a.https(req))
	if value == "" || a.signer == nil {
		return "", "", Missing, "", nil
	}
	ss, err := a.signer.Verify(value, a.now())
	if err != nil {
		return "", "", InvalidSession, "", nil
	}
	// The signed-out check: the session must still be in the table.
	subject, role, err = a.st.Session(ctx, ss.ID, a.now())
	if err != nil {
		return "", "", "", "", err
	}
	if subject == "" || subject != ss.Affiliate || role != ss.Role {
		return "", "", InvalidSession, "", nil
	}
	return role, subject, Found, a.signer.FormToken(ss), nil
}

// https says whether the request came over https. API Gateway sets
// X-Forwarded-Proto; only the dev server (Config.Local) is ever plain http,
// so on AWS a request claiming http is still treated as https.
func (a *authorizer) https(req events.APIGatewayV2CustomAuthorizerV2Request) bool {
	return !a.local || header(req.Headers, "x-forwarded-proto") != "http"
}

func (a *authorizer) lookup(ctx context.Context, hash string) (*store.APIKey, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[hash]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < keyCacheTTL {
		return c.key, nil
	}
	k, err := a.st.LookupAPIKey(ctx, hash)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) > 10000 { // bounded: a flood of made-up keys cannot grow it forever
		a.cache = map[string]cachedKey{}
	}
	a.cache[hash] = cachedKey{key: k, at: now}
	a.mu.Unlock()
	return k, nil
}

func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func cookie(cookies []string, headerValue, name string) string {
	raw := cookies
	if len(raw) == 0 && headerValue != "" {
		raw = strings.Split(headerValue, ";")
	}
	for _, c := range raw {
		if k, v, ok := strings.Cut(strings.TrimSpace(c), "="); ok && k == name {
			return v
		}
	}
	return ""
}

// Principal is who the authorizer found for a request.
type Principal struct {
	Role, Subject, Auth string
	FormToken           string // a session's form token; "" for API keys
}

// From reads what the authorizer passed on. Nothing in the request itself
// (path, query, body) can name someone else.
func From(req apigw.Request) Principal {
	var p Principal
	if req.RequestContext.Authorizer == nil {
		p.Auth = Missing
		return p
	}
	l := req.RequestContext.Authorizer.Lambda
	p.Role, _ = l["role"].(string)
	p.Subject, _ = l["subject"].(string)
	p.Auth, _ = l["auth"].(string)
	p.FormToken, _ = l["form_token"].(string)
	if p.Auth == "" {
		p.Auth = Missing
	}
	return p
}
