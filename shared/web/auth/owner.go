package auth

import (
	"context"
	"log/slog"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Owners is where Owner reads the program (the program cache).
type Owners interface {
	Get(ctx context.Context) (*program.Program, error)
}

// Owner is who asks on an owner route, and the program they are an owner
// of: the authorizer found an owner's key or session (none or an unknown
// key: Unauthorized; an affiliate's: Forbidden), and that owner is still in
// the program (removing an owner from the file ends their sessions and keys
// within the program cache's TTL).
func Owner(ctx context.Context, programs Owners, log *slog.Logger, req apigw.Request) (string, *program.Program, error) {
	pr := From(req)
	switch {
	case pr.Auth == Missing:
		return "", nil, fault.New(fault.Unauthorized, "unauthorized", "sign in as an owner, or send Authorization: Bearer <owner API key>")
	case pr.Auth != Found:
		return "", nil, fault.New(fault.Unauthorized, "unauthorized", "the API key is not valid")
	case pr.Role != store.RoleOwner || pr.Subject == "":
		return "", nil, fault.New(fault.Forbidden, "forbidden", "this route needs an owner key or an owner's session")
	}
	p, err := programs.Get(ctx)
	if err != nil {
		return "", nil, err
	}
	if !p.IsOwner(pr.Subject) {
		log.Warn("owner refused: not in the program", "owner", pr.Subject)
		return "", nil, fault.New(fault.Unauthorized, "unauthorized", "%q is no longer an owner of this program", pr.Subject)
	}
	return pr.Subject, p, nil
}
