"""Who releases models in the simulated Hub.

Namespaces, families and licence tags are the real ones (so the org and licence
catalogs attribute them); release weights, popularity pull and monthly trends
are invented parameters that give the simulation the published shape (Chinese
labs gaining on U.S. labs through 2025-2026). They are not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lab:
    namespace: str
    family: str
    license: str
    weight: float  # share of lab releases
    pull: float  # popularity multiplier of its releases
    trend: float  # monthly growth of its downloads (log scale)
    gated: str = "false"
    pipeline: str = "text-generation"


LABS: list[Lab] = [
    Lab("Qwen", "Qwen3", "apache-2.0", 10, 3.0, 0.06),
    Lab("meta-llama", "Llama-3.1", "llama3.1", 6, 3.0, -0.02, "manual"),
    Lab("deepseek-ai", "DeepSeek-R1", "mit", 4, 2.0, 0.05),
    Lab("google", "gemma-3", "gemma", 6, 2.0, 0.0, "manual"),
    Lab("mistralai", "Mistral", "apache-2.0", 4, 1.5, -0.01),
    Lab("microsoft", "Phi-4", "mit", 5, 1.2, -0.01),
    Lab("zai-org", "GLM-4.5", "mit", 3, 1.0, 0.05),
    Lab("moonshotai", "Kimi-K2", "other", 2, 0.8, 0.06),
    Lab("MiniMaxAI", "MiniMax-M1", "apache-2.0", 1, 0.5, 0.05),
    Lab("ibm-granite", "granite-3.3", "apache-2.0", 3, 0.6, 0.0),
    Lab("allenai", "OLMo-2", "apache-2.0", 3, 0.4, 0.0),
    Lab("nvidia", "Nemotron", "other", 4, 0.8, 0.01),
    Lab("openai", "gpt-oss", "apache-2.0", 1, 1.5, 0.03),
    Lab("tiiuae", "Falcon3", "other", 2, 0.3, -0.03),
    Lab("HuggingFaceTB", "SmolLM3", "apache-2.0", 2, 0.6, 0.01),
    Lab("BAAI", "bge-m3", "mit", 3, 1.5, 0.01, "false", "feature-extraction"),
    Lab("sentence-transformers", "all-MiniLM", "apache-2.0", 2, 2.5, -0.01, "false",
        "sentence-similarity"),
    Lab("openai-community", "gpt2", "mit", 1, 0.8, -0.04),
    Lab("google-bert", "bert-base", "apache-2.0", 1, 2.0, -0.03, "false", "fill-mask"),
    Lab("stabilityai", "stable-diffusion-3.5", "other", 2, 0.8, -0.02, "manual",
        "text-to-image"),
    Lab("tencent", "Hunyuan", "other", 2, 0.4, 0.05),
    Lab("baidu", "ERNIE-4.5", "apache-2.0", 1, 0.3, 0.05),
    Lab("internlm", "internlm3", "apache-2.0", 1, 0.2, 0.02),
    Lab("openbmb", "MiniCPM4", "apache-2.0", 1, 0.3, 0.03),
    Lab("CohereLabs", "aya-expanse", "cc-by-nc-4.0", 1, 0.2, 0.0, "manual"),
    Lab("LGAI-EXAONE", "EXAONE-4.0", "other", 1, 0.2, 0.02),
    Lab("utter-project", "EuroLLM", "apache-2.0", 1, 0.1, 0.01),
    Lab("swiss-ai", "Apertus", "apache-2.0", 1, 0.1, 0.02),
    Lab("apple", "OpenELM", "apple-amlr", 1, 0.2, -0.02),
    Lab("01-ai", "Yi-1.5", "apache-2.0", 1, 0.2, -0.04),
]

QUANTIZERS: list[tuple[str, float]] = [
    ("bartowski", 5), ("unsloth", 5), ("mradermacher", 8), ("TheBloke", 3),
    ("lmstudio-community", 3), ("mlx-community", 4), ("QuantFactory", 1),
    ("MaziyarPanahi", 1),
]
