/* Helpers shared by the addons' functions: TypeErrors, typed-array arguments, promise-returning async work (napi_args.c). */
#ifndef NAPI_ARGS_H
#define NAPI_ARGS_H
#include <node_api.h>

/* Throws a TypeError with `message` and returns NULL, for `return addon_type_error(env, "...")`. */
napi_value addon_type_error(napi_env env, const char *message);

/* Whether `value` is a typed array; sets its element type, length and data. */
int addon_typed_array(napi_env env, napi_value value, napi_typedarray_type *type, size_t *length, void **data);

/* Whether `value` is a typed array of `type` with at least `needed` elements; sets its length and data. */
int addon_typed_array_of(napi_env env, napi_value value, napi_typedarray_type type, size_t needed, size_t *length, void **data);

/* Most JavaScript values one async call holds while a pool thread works on their memory. */
#define ADDON_MAX_HELD 5

/* An async call's bookkeeping: the queued work, the promise it settles, the arrays it holds. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref held[ADDON_MAX_HELD];
} addon_work_t;

/*
 * Holds the non-null values of `arrays` (at most ADDON_MAX_HELD), creates the promise and queues `execute` on a libuv
 * pool thread and `complete` after it on this one, both given `data`; returns the promise.
 */
napi_value addon_queue_work(napi_env env, addon_work_t *work, const char *name, const napi_value *arrays, int count,
                            napi_async_execute_callback execute, napi_async_complete_callback complete, void *data);

/* In `complete`, after settling work->deferred: lets go of the held arrays and of the work itself. */
void addon_finish_work(napi_env env, addon_work_t *work);

#endif
