"""The element-wise work around an int8 matrix product, as one compiled kernel each side.

`Int8Linear` (`quantize.py`) quantizes each input row before `torch._int_mm` and rescales
the int32 result after it. Written as separate torch operations, each of those steps reads
and writes the whole activation matrix: on the default encoder they took about 30% of int8
`predict` (multiply, absolute value, maximum, divide, round, cast before the product; cast,
two rescalings, the fp32 outlier channels and the bias after it), as much as three quarters
of the int8 product itself. `torch.compile` (Inductor's C++ backend) turns each side into one
loop over the matrix (the product itself stays `torch._int_mm`); the arithmetic is the same,
the order of the fp32 sum over the outlier channels aside (results within about 5e-7). On
this machine (2 AMD EPYC cores, AVX-512) one layer of the default encoder's shapes at 16,384
rows ran 1.3-1.7x as fast, and int8 `predict` took 12% less time (README, Benchmarks).

The compiled kernels need a C++ compiler at the first call (Inductor compiles them once and
caches them on disk). Where compiling fails, the same functions run as separate torch
operations, with a warning that names the reason: slower, same results.
"""

from __future__ import annotations

import warnings

import torch


def quantize_rows(rows: torch.Tensor, inner_input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 quantization of `rows * inner_input` with one scale per row (subword).

    rows: fp32[n, in]; inner_input: fp32[in] (smoothing divisors inverted, 0 on the outlier
    channels). Returns (int8[n, in], the scales fp32[n, 1]: absolute maximum / 127).
    """
    inner = rows * inner_input
    scale = inner.abs().amax(1, keepdim=True).clamp(min=1e-12) / 127
    return inner.div_(scale).round_().to(torch.int8), scale


def dequantize_rows(product: torch.Tensor, scale: torch.Tensor, weight_scale: torch.Tensor, bias: torch.Tensor,
                    rows: torch.Tensor, outliers: torch.Tensor, outlier_weight_t: torch.Tensor) -> torch.Tensor:
    """The layer's fp32 output: the int32 `product` (int32[n, out]) rescaled by the row scales
    (fp32[n, 1]) and the weight's output-channel scales (fp32[out]), plus `bias` (fp32[out])
    and the fp32 product of the outlier channels of `rows` (indices int64[k], weights
    fp32[k, out]; k may be 0, and is at most 8)."""
    out = product.float().mul_(scale).mul_(weight_scale).add_(bias)
    if outliers.numel():
        fp32_rows = rows.index_select(1, outliers)
        if torch.compiler.is_compiling():  # a sum over k, in the same loop as the rest
            out = out + (fp32_rows[:, :, None] * outlier_weight_t).sum(1)
        else:  # as torch operations, a matrix product (the sum above would build an [n, k, out] tensor)
            out.addmm_(fp32_rows, outlier_weight_t)
    return out


def int8_product(rows: torch.Tensor, inner_input: torch.Tensor, weight_t: torch.Tensor, weight_scale: torch.Tensor,
                 bias: torch.Tensor, outliers: torch.Tensor, outlier_weight_t: torch.Tensor) -> torch.Tensor:
    """One int8 linear layer on fp32 `rows` (fp32[n, in] -> fp32[n, out]): `quantize_rows`, the
    exact int8 x int8 -> int32 product with the int8 weight (int8[in, out]), `dequantize_rows`."""
    quantized, scale = quantize_rows(rows, inner_input)
    product = torch._int_mm(quantized, weight_t)
    return dequantize_rows(product, scale, weight_scale, bias, rows, outliers, outlier_weight_t)


class CompiledOrEager:
    """`function` compiled by `torch.compile(dynamic=True)` on the first call. Where the compiled
    version fails and `function` itself does not (no C++ compiler, say), `function` from then
    on, with one warning; where both fail (a wrong input), `function`'s error."""

    def __init__(self, function):
        self.function = function
        self.compiled = torch.compile(function, dynamic=True)
        self.failure: str | None = None

    def __call__(self, *args):
        if self.failure is not None:
            return self.function(*args)
        try:
            return self.compiled(*args)
        except Exception as error:  # noqa: BLE001 (told apart below)
            result = self.function(*args)  # a wrong input raises here too, and leaves the compiled version on
            self.failure = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            warnings.warn(f"int8 inference runs without compiled kernels, slower ({self.failure})", stacklevel=3)
            return result


KERNELS: dict[bool, object] = {}
"""`int8_kernel`'s one instance per kind (a plain dict: Dynamo, compiling a whole encoder with
`predict --compile`, traces through it where it would warn about an `lru_cache`)."""


def int8_kernel(compiled: bool):
    """`int8_product`, compiled (`CompiledOrEager`: the steps around the product each become one
    loop) or as separate torch operations; one instance per process, so that compiling happens once."""
    if compiled not in KERNELS:
        KERNELS[compiled] = CompiledOrEager(int8_product) if compiled else int8_product
    return KERNELS[compiled]
