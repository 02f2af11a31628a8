from modelatlas.cli import run

run()
