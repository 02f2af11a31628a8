"""Apache Spark as a second engine: the same registry, tables and answers at scale.

- :mod:`~modelatlas.spark.session`: starting or reaching Spark (local, a cluster
  master, Spark Connect); one-line errors when PySpark or Java is missing;
- :mod:`~modelatlas.spark.tables`: the store's tables as a Parquet folder
  (``modelatlas export DIR`` writes it; Spark reads and writes it);
- :mod:`~modelatlas.spark.translate` and :mod:`~modelatlas.spark.reader`: every
  registered query on Spark SQL behind the same reader seam as DuckDB;
- :mod:`~modelatlas.spark.ingest`, :mod:`~modelatlas.spark.derive`,
  :mod:`~modelatlas.spark.roots`: the write side (dump files in, derived tables,
  root resolution as iterative joins with checkpoints).

Method, caveats and measurements: docs/scale.md. PySpark is optional
(``pip install 'modelatlas[spark]'``); nothing here imports it at module level.
"""
