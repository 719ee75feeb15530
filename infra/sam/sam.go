// Package sam reads template.yaml, the one source of truth for the routes,
// the functions behind them and the table, so the dev server and the tests
// use exactly what is deployed.
package sam

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	dynamodbcf "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// Route is one HTTP API route and the function behind it.
type Route struct {
	Method     string // GET, POST, ...
	Path       string // /go/{event}/{affiliate}
	Function   string // logical ID of the function
	Authorizer string // name of the authorizer, "" for none
}

// Template is a parsed template.yaml.
type Template struct {
	cf *cloudformation.Template
}

// loading serializes goformation's parser: it keeps its YAML tag
// handlers in a package map that two parses at once write and read
// together (a fatal "concurrent map iteration and map write" when
// parallel tests each create a table from the template).
var loading sync.Mutex

// Load parses a template file.
func Load(path string) (*Template, error) {
	loading.Lock()
	defer loading.Unlock()
	// Keep !GetAtt X.Arn as the string "X.Arn" so references between
	// resources (the authorizer's function) can be followed.
	cf, err := goformation.OpenWithOptions(path, &intrinsics.ProcessorOptions{
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
			"Fn::GetAtt": func(_ string, input any, _ any) any {
				switch v := input.(type) {
				case string:
					return v
				case []any:
					if len(v) == 2 {
						return fmt.Sprintf("%v.%v", v[0], v[1])
					}
				}
				return nil
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &Template{cf: cf}, nil
}

// RepoFile finds a file at the root of the repository (the folder holding
// go.mod), from wherever a test or command runs.
func RepoFile(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, name), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// LoadRepo parses the repository's template.yaml.
func LoadRepo() (*Template, error) {
	p, err := RepoFile("template.yaml")
	if err != nil {
		return nil, err
	}
	return Load(p)
}

// Routes lists every HttpApi route of every function, sorted by path.
func (t *Template) Routes() []Route {
	var rs []Route
	for id, fn := range t.cf.GetAllServerlessFunctionResources() {
		for _, ev := range fn.Events {
			if ev.Type != "HttpApi" || ev.Properties == nil || ev.Properties.HttpApiEvent == nil {
				continue
			}
			h := ev.Properties.HttpApiEvent
			r := Route{Function: id, Method: strings.ToUpper(aws.ToString(h.Method)), Path: aws.ToString(h.Path)}
			if h.Auth != nil && h.Auth.Authorizer != nil {
				r.Authorizer = *h.Auth.Authorizer
			}
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Path != rs[j].Path {
			return rs[i].Path < rs[j].Path
		}
		return rs[i].Method < rs[j].Method
	})
	return rs
}

// Functions lists the logical IDs of all functions, sorted.
func (t *Template) Functions() []string {
	var ids []string
	for id := range t.cf.GetAllServerlessFunctionResources() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// AuthorizerFunction is the logical ID of the function behind an authorizer
// of the HttpApi (its FunctionArn is !GetAtt <id>.Arn).
func (t *Template) AuthorizerFunction(name string) (string, error) {
	for _, api := range t.cf.GetAllServerlessHttpApiResources() {
		if api.Auth == nil || api.Auth.Authorizers == nil {
			continue
		}
		m, ok := api.Auth.Authorizers.(map[string]any)
		if !ok {
			continue
		}
		a, ok := m[name].(map[string]any)
		if !ok {
			continue
		}
		arn, _ := a["FunctionArn"].(string)
		arn = strings.TrimSuffix(arn, ".Arn")
		if arn != "" {
			return arn, nil
		}
	}
	return "", fmt.Errorf("authorizer %q not found in template", name)
}

// Table is the CreateTableInput of the template's one DynamoDB table, named
// name: keys, attributes and indexes exactly as declared.
func (t *Template) Table(name string) (*dynamodb.CreateTableInput, error) {
	tables := t.cf.GetAllDynamoDBTableResources()
	if len(tables) != 1 {
		return nil, fmt.Errorf("template has %d tables, want 1", len(tables))
	}
	var in dynamodb.CreateTableInput
	for _, tb := range tables {
		in.TableName = aws.String(name)
		in.BillingMode = types.BillingModePayPerRequest
		for _, a := range tb.AttributeDefinitions {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
				AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType),
			})
		}
		in.KeySchema = keySchema(tb.KeySchema)
		if ss := tb.StreamSpecification; ss != nil {
			in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(ss.StreamViewType)}
		}
		for _, g := range tb.GlobalSecondaryIndexes {
			gsi := types.GlobalSecondaryIndex{
				IndexName:  aws.String(g.IndexName),
				KeySchema:  keySchema(g.KeySchema),
				Projection: &types.Projection{ProjectionType: types.ProjectionType(aws.ToString(g.Projection.ProjectionType))},
			}
			if len(g.Projection.NonKeyAttributes) > 0 {
				gsi.Projection.NonKeyAttributes = g.Projection.NonKeyAttributes
			}
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
		}
	}
	return &in, nil
}

// TTLAttribute is the table's time-to-live attribute, "" when none.
func (t *Template) TTLAttribute() string {
	for _, tb := range t.cf.GetAllDynamoDBTableResources() {
		if tb.TimeToLiveSpecification != nil && tb.TimeToLiveSpecification.Enabled {
			return aws.ToString(tb.TimeToLiveSpecification.AttributeName)
		}
	}
	return ""
}

func keySchema(ks []dynamodbcf.Table_KeySchema) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, 0, len(ks))
	for _, k := range ks {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)})
	}
	return out
}
