// Helpers shared by the addons' functions: TypeErrors, typed-array arguments, promise-returning async work.
#include "napi_args.h"

#include <stdbool.h>

napi_value addon_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

int addon_typed_array(napi_env env, napi_value value, napi_typedarray_type *type, size_t *length, void **data) {
  bool typed = false;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed) return 0;
  return napi_get_typedarray_info(env, value, type, length, data, NULL, NULL) == napi_ok;
}

int addon_typed_array_of(napi_env env, napi_value value, napi_typedarray_type type, size_t needed, size_t *length, void **data) {
  napi_typedarray_type actual;
  return addon_typed_array(env, value, &actual, length, data) && actual == type && *length >= needed;
}

napi_value addon_queue_work(napi_env env, addon_work_t *work, const char *name, const napi_value *arrays, int count,
                            napi_async_execute_callback execute, napi_async_complete_callback complete, void *data) {
  for (int i = 0; i < count && i < ADDON_MAX_HELD; i++) {
    napi_valuetype type;
    if (napi_typeof(env, arrays[i], &type) == napi_ok && type != napi_null && type != napi_undefined) napi_create_reference(env, arrays[i], 1, &work->held[i]);
  }
  napi_value promise, resource_name;
  napi_create_promise(env, &work->deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  napi_create_async_work(env, NULL, resource_name, execute, complete, data, &work->work);
  napi_queue_async_work(env, work->work);
  return promise;
}

void addon_finish_work(napi_env env, addon_work_t *work) {
  for (int i = 0; i < ADDON_MAX_HELD; i++)
    if (work->held[i] != NULL) napi_delete_reference(env, work->held[i]);
  napi_delete_async_work(env, work->work);
}
