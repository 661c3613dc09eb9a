{
  "targets": [
    {
      "target_name": "blas_gemm",
      "sources": ["src/blas_gemm.c", "../common/napi_args.c", "src/pearson_sums.c", "src/tag_side.c"],
      "include_dirs": ["../common"],
      "cflags": ["-O2", "-fopenmp-simd", "-fno-math-errno", "-ffp-contract=off", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
