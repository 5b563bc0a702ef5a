// Package queue is the background-job runtime: asynq on Redis (or on an
// embedded Redis-compatible server when no Redis is configured), a worker that
// runs handlers, a scheduler for periodic tasks, idempotent enqueueing under
// deterministic task ids, and the maintenance jobs of the platform itself.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// DefaultQueue is the asynq queue every task goes to unless told otherwise.
const DefaultQueue = "default"

// fastForwardEvery is how often the embedded server's clock is advanced.
const fastForwardEvery = 100 * time.Millisecond

// Runtime is a connection to the job queue's Redis, shared by the client side
// (enqueueing), the worker and the scheduler.
type Runtime struct {
	// Opt is how asynq servers and schedulers connect to Redis.
	Opt asynq.RedisConnOpt
	// Client enqueues tasks.
	Client *asynq.Client
	// Inspector reads and manages queues and tasks (admin pages, tests).
	Inspector *asynq.Inspector
	// Queue is the asynq queue this runtime enqueues to and its workers
	// process. Tests give each runtime its own queue so that they can share
	// one Redis database without seeing each other's tasks.
	Queue string
	// Embedded reports whether the runtime runs its own in-process server.
	Embedded bool

	logger *slog.Logger
	rdb    redis.UniversalClient
	mini   *miniredis.Miniredis
	stop   chan struct{}
	ticker sync.WaitGroup
	once   sync.Once
}

// Open connects to the Redis at redisURL (redis://, rediss://,
// redis-socket:// or redis-sentinel://). An empty redisURL starts an embedded
// Redis-compatible server on a free 127.0.0.1 port, whose clock follows the
// wall clock so that TTLs and asynq's unique locks expire.
func Open(ctx context.Context, redisURL string, logger *slog.Logger) (*Runtime, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rt := &Runtime{Queue: DefaultQueue, logger: logger, stop: make(chan struct{})}
	if redisURL == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		rt.mini = m
		rt.Embedded = true
		rt.Opt = asynq.RedisClientOpt{Addr: m.Addr()}
		rt.ticker.Add(1)
		go rt.followWallClock()
	} else {
		opt, err := asynq.ParseRedisURI(redisURL)
		if err != nil {
			// The URI may hold a password: do not wrap the parse error, which quotes it.
			return nil, errors.New("parse REDIS_URL: want redis://[:password@]host:port/db")
		}
		rt.Opt = opt
	}
	rdb, ok := rt.Opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		rt.shutdownEmbedded()
		return nil, errors.New("redis connection option does not make a redis.UniversalClient")
	}
	rt.rdb = rdb
	if err := rt.Ping(ctx); err != nil {
		rt.Close()
		return nil, err
	}
	rt.Client = asynq.NewClientFromRedisClient(rdb)
	rt.Inspector = asynq.NewInspectorFromRedisClient(rdb)
	return rt, nil
}

// followWallClock advances the embedded server's clock by the elapsed wall
// time: miniredis only expires keys when told time has passed.
func (rt *Runtime) followWallClock() {
	defer rt.ticker.Done()
	t := time.NewTicker(fastForwardEvery)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-rt.stop:
			return
		case now := <-t.C:
			rt.mini.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Ping sends a PING to Redis; it backs the readiness probe.
func (rt *Runtime) Ping(ctx context.Context) error {
	if err := rt.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Redis returns the runtime's Redis client.
func (rt *Runtime) Redis() redis.UniversalClient { return rt.rdb }

// Close releases the connections and stops the embedded server, if any.
// Stop workers and schedulers first.
func (rt *Runtime) Close() error {
	var err error
	rt.once.Do(func() {
		// Client and Inspector were made from rdb and refuse to close it:
		// closing rdb closes them.
		if rt.rdb != nil {
			err = rt.rdb.Close()
		}
		rt.shutdownEmbedded()
	})
	if err != nil {
		return fmt.Errorf("close queue runtime: %w", err)
	}
	return nil
}

func (rt *Runtime) shutdownEmbedded() {
	if rt.mini == nil {
		return
	}
	close(rt.stop)
	rt.ticker.Wait()
	rt.mini.Close()
}

// TaskID returns a deterministic task id made of parts, e.g.
// TaskID("remind", "tenant-3", "task-42", "2026-11") = "remind:tenant-3:task-42:2026-11".
// Two schedulers or a retry that enqueue the same logical job get the same
// id, and asynq keeps only one of them.
func TaskID(parts ...string) string {
	return strings.Join(parts, ":")
}

// Enqueue enqueues task under id on the runtime's queue. A task with the same
// id already waiting, running or retained is not an error: enqueueing is
// idempotent, and enqueued reports whether this call added the task.
// ErrDuplicateTask (an asynq.Unique lock held) counts as success in the same way.
func (rt *Runtime) Enqueue(ctx context.Context, task *asynq.Task, id string, opts ...asynq.Option) (enqueued bool, err error) {
	all := make([]asynq.Option, 0, len(opts)+2)
	all = append(all, asynq.Queue(rt.Queue))
	if id != "" {
		all = append(all, asynq.TaskID(id))
	}
	all = append(all, opts...)
	_, err = rt.Client.EnqueueContext(ctx, task, all...)
	switch {
	case err == nil:
		return true, nil
	case isDuplicate(err):
		return false, nil
	default:
		return false, fmt.Errorf("enqueue %s %s: %w", task.Type(), id, err)
	}
}
