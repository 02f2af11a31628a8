"""A simulated Hub: reproducible, calibrated on real shapes, always labelled SIMULATED."""

from modelatlas.synth.generate import SynthConfig, generate, write_snapshots

__all__ = ["SynthConfig", "generate", "write_snapshots"]
