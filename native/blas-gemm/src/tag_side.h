/* tagSide: one query item's tag cosines and the shifted x side of its Pearson sums (see tag_side.c). */
#ifndef TAG_SIDE_H
#define TAG_SIDE_H
#include <node_api.h>

napi_value tag_side(napi_env env, napi_callback_info info);

#endif
