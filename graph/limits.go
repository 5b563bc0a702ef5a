package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"dangjian/internal/apperr"
)

// shapeLimit refuses operations nested deeper than MaxDepth selection levels
// or expanding to more than MaxNodes selected fields once fragments are
// spread. It runs before the complexity calculation, which walks every
// expanded path: a few nested fragments can otherwise expand to millions.
type shapeLimit struct {
	MaxDepth int
	MaxNodes int
}

var (
	_ graphql.HandlerExtension        = shapeLimit{}
	_ graphql.OperationContextMutator = shapeLimit{}
)

// ExtensionName implements graphql.HandlerExtension.
func (shapeLimit) ExtensionName() string { return "ShapeLimit" }

// Validate implements graphql.HandlerExtension.
func (l shapeLimit) Validate(graphql.ExecutableSchema) error {
	if l.MaxDepth <= 0 || l.MaxNodes <= 0 {
		return fmt.Errorf("shape limits must be positive")
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (l shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	s := measure(oc.Operation.SelectionSet)
	if s.depth > l.MaxDepth {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("查询嵌套层级为 %d，超过上限 %d", s.depth, l.MaxDepth),
			Extensions: map[string]any{"code": string(apperr.InvalidInput)},
		}
	}
	if s.nodes > l.MaxNodes {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("查询展开后包含 %d 个字段，超过上限 %d", s.nodes, l.MaxNodes),
			Extensions: map[string]any{"code": string(apperr.InvalidInput)},
		}
	}
	return nil
}

// shape is the nesting depth and the number of fields of a selection set
// with every fragment expanded.
type shape struct {
	depth int
	nodes int
}

// measure computes the shape in time linear in the document: each named
// fragment is measured once and reused wherever it is spread. Counts
// saturate rather than overflow.
func measure(set ast.SelectionSet) shape {
	memo := map[string]shape{}
	inProgress := map[string]bool{}
	var walk func(set ast.SelectionSet) shape
	walk = func(set ast.SelectionSet) shape {
		var out shape
		add := func(s shape, extraDepth int) {
			if d := s.depth + extraDepth; d > out.depth {
				out.depth = d
			}
			out.nodes = satAdd(out.nodes, s.nodes)
		}
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				child := walk(s.SelectionSet)
				child.nodes = satAdd(child.nodes, 1)
				add(child, 1)
			case *ast.InlineFragment:
				add(walk(s.SelectionSet), 0)
			case *ast.FragmentSpread:
				if s.Definition == nil || inProgress[s.Name] {
					continue // cycles are refused by validation; never loop here
				}
				m, ok := memo[s.Name]
				if !ok {
					inProgress[s.Name] = true
					m = walk(s.Definition.SelectionSet)
					delete(inProgress, s.Name)
					memo[s.Name] = m
				}
				add(m, 0)
			}
		}
		return out
	}
	return walk(set)
}

func satAdd(a, b int) int {
	const max = 1 << 40
	if a+b > max {
		return max
	}
	return a + b
}

// selectionDepth is the nesting depth of set with fragments expanded.
func selectionDepth(set ast.SelectionSet) int { return measure(set).depth }
