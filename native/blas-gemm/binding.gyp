{
  "targets": [
    {
      "target_name": "blas_gemm",
      "sources": ["src/blas_gemm.c", "src/napi_args.c", "src/pearson_sums.c", "src/tag_side.c"],
      "cflags": ["-O2", "-fopenmp-simd", "-fno-math-errno", "-ffp-contract=off", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
