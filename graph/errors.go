package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
)

// gqlgen's own error codes, mapped onto ours.
var builtinCodes = map[string]struct {
	code apperr.Code
	msg  string
}{
	"GRAPHQL_PARSE_FAILED":      {apperr.InvalidInput, "查询语句有语法错误"},
	"GRAPHQL_VALIDATION_FAILED": {apperr.InvalidInput, "查询语句不符合接口定义"},
	"COMPLEXITY_LIMIT_EXCEEDED": {apperr.InvalidInput, "查询过于复杂，请减少请求的字段或每页条数"},
	"PERSISTED_QUERY_NOT_FOUND": {"PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"},
}

// presentError maps every error to one with extensions.code and a Chinese
// message. Unknown errors become INTERNAL, are logged once with the request
// id, and reveal nothing about the internals.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Produced by gqlgen itself (parsing, validation, limits).
			out := *gqlErr
			code, _ := gqlErr.Extensions["code"].(string)
			if m, ok := builtinCodes[code]; ok {
				detail := gqlErr.Message
				if m.code == "PERSISTED_QUERY_NOT_FOUND" {
					return &out
				}
				out.Message = m.msg + "：" + detail
				out.Extensions = map[string]any{"code": string(m.code)}
				return &out
			}
			if code == "" {
				out.Extensions = map[string]any{"code": string(apperr.InvalidInput)}
			}
			return &out
		}
		path := graphql.GetPath(ctx)
		if ae, ok := apperr.As(err); ok && ae.Code != apperr.Internal {
			ext := map[string]any{"code": string(ae.Code)}
			if ae.Field != "" {
				ext["field"] = ae.Field
			}
			if ae.Details != nil {
				ext["details"] = ae.Details
			}
			return &gqlerror.Error{Message: ae.Message, Path: path, Extensions: ext}
		}
		logger.ErrorContext(ctx, "request failed", "err", err, "request_id", actor.RequestID(ctx), "path", path.String())
		return &gqlerror.Error{
			Message:    "服务器内部错误，请稍后重试（请求编号 " + actor.RequestID(ctx) + "）",
			Path:       path,
			Extensions: map[string]any{"code": string(apperr.Internal)},
		}
	}
}

// recoverPanic turns a resolver panic into an INTERNAL error, logged with its stack.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p),
			"request_id", actor.RequestID(ctx), "stack", string(debug.Stack()))
		return errors.New("panic in resolver")
	}
}
