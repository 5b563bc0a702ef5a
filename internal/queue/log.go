package queue

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"
)

// asynqLogger sends asynq's own log lines to slog.
type asynqLogger struct{ l *slog.Logger }

var _ asynq.Logger = asynqLogger{}

// Debug, Info, Warn and Error log at the slog level of the same name.
func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }

// Fatal logs at error level: the process exits from main only, never from a library.
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }

// asynqLevel is the asynq log level matching what logger lets through, so
// asynq does not format lines that slog would drop.
func asynqLevel(logger *slog.Logger) asynq.LogLevel {
	ctx := context.Background()
	switch {
	case logger.Enabled(ctx, slog.LevelDebug):
		return asynq.DebugLevel
	case logger.Enabled(ctx, slog.LevelInfo):
		return asynq.InfoLevel
	case logger.Enabled(ctx, slog.LevelWarn):
		return asynq.WarnLevel
	default:
		return asynq.ErrorLevel
	}
}
