"""NNCF's parameter names and enums, turned into the engine's option dict."""

import enum
import os
from dataclasses import dataclass, field
from typing import List, Optional

__all__ = [
    "QuantizationPreset", "TargetDevice", "ModelType", "DropType", "RestoreMode", "OverflowFix",
    "RangeEstimator", "IgnoredScope", "AdvancedQuantizationParameters", "AdvancedAccuracyRestorerParameters",
]


class _Named(str, enum.Enum):
    def __str__(self):
        return self.value


class QuantizationPreset(_Named):
    """PERFORMANCE: symmetric activations. MIXED: asymmetric activations. None (the default):
    MIXED for ONNX Runtime targets, PERFORMANCE for OpenVINO / ANY."""
    PERFORMANCE = "performance"
    MIXED = "mixed"


class TargetDevice(_Named):
    """Where the model will run, which decides the QDQ form. HOST (default): ONNX Runtime on this
    machine; CPU is NNCF's name for it. OPENVINO and ANY keep NNCF's placement."""
    HOST = "host"
    CPU = "host"
    CPU_AVX2 = "cpu-avx2"
    CPU_VNNI = "cpu-vnni"
    CPU_SPR = "cpu-vnni"
    CPU_ARM = "cpu-arm"
    OPENVINO = "openvino"
    ANY = "any"


class ModelType(_Named):
    TRANSFORMER = "transformer"


class DropType(_Named):
    """ABSOLUTE: fp32 - int8. RELATIVE: (fp32 - int8) / |fp32|."""
    ABSOLUTE = "absolute"
    RELATIVE = "relative"


class RestoreMode(_Named):
    """What a group returned to float gets back: float activations and weights (default) or
    float activations only."""
    ACTIVATIONS_AND_WEIGHTS = "activations_and_weights"
    ONLY_ACTIVATIONS = "only_activations"


class OverflowFix(_Named):
    ENABLE = "enable"
    DISABLE = "disable"
    FIRST_LAYER = "first_layer"
    AUTO = "auto"


class RangeEstimator(_Named):
    MEAN_MINMAX = "mean_minmax"
    MINMAX = "minmax"
    QUANTILE = "quantile"
    MSE = "mse"
    KL = "kl"


@dataclass
class IgnoredScope:
    """Nodes kept in float: by name, by regular expression on the name, by op type."""
    names: List[str] = field(default_factory=list)
    patterns: List[str] = field(default_factory=list)
    types: List[str] = field(default_factory=list)


@dataclass
class AdvancedQuantizationParameters:
    """qac's options beyond NNCF's main arguments (the CLI's flags of the same names)."""
    overflow_fix: Optional[OverflowFix] = None            # None: follows the target
    activations_range_estimator: Optional[RangeEstimator] = None  # None: mean_minmax
    quantile: Optional[float] = None
    disable_bias_correction: bool = False
    smooth_quant_alpha: Optional[float] = None            # transformer only; None: 0.95
    disable_smooth_quant: bool = False
    weights_as_int8_initializers: bool = True
    batch_size: Optional[int] = None                      # None: automatic
    num_threads: Optional[int] = None                     # None: all cores
    kernel_timing: bool = True
    kernel_timing_cache: bool = True
    kernel_timing_cache_dir: Optional[str] = None
    # Reusable work (statistics, kernel timings, every answer of the accuracy-control search):
    # a run stopped and started again with the same arguments resumes (the CLI's --cache-dir).
    cache_dir: Optional[str] = None
    measure_latency: bool = True


@dataclass
class AdvancedAccuracyRestorerParameters:
    """NNCF's accuracy-restorer parameters, plus qac's search strategy ("qac" or "nncf")."""
    max_num_iterations: Optional[int] = None              # None: unlimited
    tune_hyperparams: bool = False
    ranking_subset_size: Optional[int] = None             # None: 300 samples (items holding as many)
    restore_mode: RestoreMode = RestoreMode.ACTIVATIONS_AND_WEIGHTS
    intermediate_model_dir: Optional[str] = None
    strategy: str = "qac"


def _name(value):
    return None if value is None else str(value.value if isinstance(value, enum.Enum) else value)


def quantization_options(preset, target_device, subset_size, fast_bias_correction, model_type, ignored_scope,
                         advanced_parameters):
    """The engine's option dict for qac.quantize's arguments."""
    adv = advanced_parameters or AdvancedQuantizationParameters()
    scope = ignored_scope or IgnoredScope()
    if not isinstance(scope, IgnoredScope):
        raise TypeError("ignored_scope must be a qac.IgnoredScope")
    if not isinstance(adv, AdvancedQuantizationParameters):
        raise TypeError("advanced_parameters must be a qac.AdvancedQuantizationParameters")
    return {
        "preset": _name(preset) or "auto",
        "target": _name(target_device) or "host",
        "subset_size": int(subset_size),
        "bias_correction": ("none" if adv.disable_bias_correction
                            else "fast" if fast_bias_correction else "full"),
        "model_type": _name(model_type) or "default",
        "ignored_names": list(scope.names), "ignored_patterns": list(scope.patterns),
        "ignored_types": list(scope.types),
        "overflow_fix": _name(adv.overflow_fix) or "auto",
        "activation_estimator": _name(adv.activations_range_estimator),
        "quantile": adv.quantile,
        "smooth_quant_alpha": adv.smooth_quant_alpha,
        "smooth_quant": not adv.disable_smooth_quant,
        "weights_as_int8_initializers": adv.weights_as_int8_initializers,
        "batch_size": adv.batch_size,
        "num_threads": adv.num_threads,
        "kernel_timing": adv.kernel_timing,
        "kernel_timing_cache": adv.kernel_timing_cache,
        "kernel_timing_cache_dir": None if adv.kernel_timing_cache_dir is None else os.fspath(adv.kernel_timing_cache_dir),
        "measure_latency": adv.measure_latency,
        "cache_dir": None if adv.cache_dir is None else os.fspath(adv.cache_dir),
    }


def restorer_options(max_drop, drop_type, restorer):
    """The accuracy-control entries of the engine's option dict."""
    r = restorer or AdvancedAccuracyRestorerParameters()
    if not isinstance(r, AdvancedAccuracyRestorerParameters):
        raise TypeError("advanced_accuracy_restorer_parameters must be a qac.AdvancedAccuracyRestorerParameters")
    iterations = r.max_num_iterations
    return {
        "max_drop": float(max_drop),
        "drop_type": _name(drop_type) or "absolute",
        "max_num_iterations": None if iterations is None else min(int(iterations), 2**31 - 1),
        "tune_hyperparams": bool(r.tune_hyperparams),
        "ranking_subset_size": r.ranking_subset_size,
        "restore_mode": _name(r.restore_mode),
        "intermediate_dir": None if r.intermediate_model_dir is None else os.fspath(r.intermediate_model_dir),
        "strategy": _name(r.strategy),
    }
