package graph

import (
	"dangjian/graph/model"
	"dangjian/internal/scoring"
)

// indicatorIn is a scoring indicator as the API receives it, for a district's
// scheme or a town's local indicator alike.
func indicatorIn(i *model.ScoringIndicatorInput) scoring.IndicatorInput {
	return scoring.IndicatorInput{
		Code: i.Code, Name: i.Name, Weight: i.Weight, Input: i.Input, Rule: scoring.Rule(i.Rule), Params: deref(i.Params),
	}
}
