{
  "targets": [
    {
      "target_name": "blas_gemm",
      "sources": ["src/blas_gemm.c"],
      "cflags": ["-O2", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
