{
  "variables": {
    "with_libjpeg": "<!(pkg-config --exists libjpeg && echo 1 || echo 0)"
  },
  "targets": [
    {
      "target_name": "pil_imaging",
      "sources": ["src/pil_imaging.c", "src/pil_resample.c", "../common/napi_args.c"],
      "include_dirs": ["../common"],
      "cflags": ["-O3", "-fopenmp-simd", "-ffp-contract=off"],
      "conditions": [
        ["with_libjpeg==1", {
          "sources": ["src/jpeg_decode.c"],
          "defines": ["HAVE_LIBJPEG"],
          "libraries": ["<!@(pkg-config --libs libjpeg)"]
        }]
      ]
    }
  ]
}
