{
  "targets": [
    {
      "target_name": "anyio_ts_native",
      "sources": ["runtime/platform/node/addon/anyio_native.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    }
  ]
}
