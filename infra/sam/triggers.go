package sam

import "sort"

// Trigger is what invokes a function on AWS, as template.yaml wires it.
type Trigger struct {
	Function string // logical ID of the function
	// Type is the event source: HttpApi, DynamoDB (the table's stream),
	// SQS, Schedule (an AWS::Scheduler::Schedule targeting the function)
	// or Authorizer (an HttpApi authorizer's function).
	Type string
	// Source is the logical ID of the queue or table (its stream), or the
	// schedule's expression ("cron(0 8 * * ? *)").
	Source string
}

// Triggers lists every function's triggers, sorted by function.
func (r Raw) Triggers() []Trigger {
	var out []Trigger
	for _, id := range r.OfType("AWS::Serverless::Function") {
		evs, _ := Path(r.Props(id), "Events").(map[string]any)
		for _, ev := range evs {
			typ, _ := Path(ev, "Type").(string)
			t := Trigger{Function: id, Type: typ}
			switch typ {
			case "DynamoDB":
				t.Source = Target(Path(ev, "Properties", "Stream"))
			case "SQS":
				t.Source = Target(Path(ev, "Properties", "Queue"))
			}
			out = append(out, t)
		}
	}
	for _, id := range r.OfType("AWS::Scheduler::Schedule") {
		expr, _ := Path(r.Props(id), "ScheduleExpression").(string)
		out = append(out, Trigger{Function: Target(Path(r.Props(id), "Target", "Arn")), Type: "Schedule", Source: expr})
	}
	for _, id := range r.OfType("AWS::Serverless::HttpApi") {
		auths, _ := Path(r.Props(id), "Auth", "Authorizers").(map[string]any)
		for _, a := range auths {
			out = append(out, Trigger{Function: Target(Path(a, "FunctionArn")), Type: "Authorizer"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Function != out[j].Function {
			return out[i].Function < out[j].Function
		}
		return out[i].Type < out[j].Type
	})
	return out
}
