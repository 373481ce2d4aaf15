using System.Runtime.InteropServices;
using FedFace.Core;
using static TorchSharp.torch;

namespace FedFace.Learning;

/// <summary>
/// Moves a backbone's weights to and from a <see cref="ModelState"/>: every parameter and every BatchNorm running
/// mean/variance, as float32, in state_dict order. Integer counters (BatchNorm's num_batches_tracked) stay out: they
/// only matter for momentum-free BN, which we do not use, and they cannot be averaged. Data moves as raw bytes
/// straight from and into the tensors' memory, which is far faster than element accessors.
/// </summary>
public static class BackboneState
{
    public static ModelState Export(nn.Module backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var tensors = new List<NamedTensor>();
        foreach ((string name, Tensor tensor) in Entries(backbone))
        {
            float[] values = new float[tensor.numel()];
            tensor.bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            tensors.Add(new NamedTensor(name, tensor.shape, values));
        }
        return new ModelState(tensors);
    }

    /// <summary>
    /// Overwrites the backbone with <paramref name="state"/>. Strict: every expected tensor must be there with its
    /// shape and nothing else may be; everything is checked before anything is written.
    /// </summary>
    public static void Import(nn.Module backbone, ModelState state)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(state);
        List<(string Name, Tensor Tensor)> expected = Entries(backbone).ToList();
        var problems = new List<string>();
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, Tensor tensor) in expected)
        {
            expectedNames.Add(name);
            if (!state.TryGet(name, out NamedTensor incoming))
            {
                problems.Add($"tensor '{name}' is missing");
            }
            else if (!incoming.HasShape(tensor.shape))
            {
                problems.Add($"tensor '{name}' has shape {incoming.ShapeText}, the backbone expects [{string.Join(", ", tensor.shape)}]");
            }
        }
        problems.AddRange(state.Tensors
            .Where(t => !expectedNames.Contains(t.Name))
            .Select(t => $"tensor '{t.Name}' is not part of the backbone"));
        if (problems.Count > 0)
        {
            const int shown = 5;
            string more = problems.Count > shown ? $" (and {problems.Count - shown} more)" : "";
            throw new ArgumentException($"the model state does not fit the backbone: {string.Join("; ", problems.Take(shown))}{more}", nameof(state));
        }
        foreach ((string name, Tensor tensor) in expected)
        {
            MemoryMarshal.AsBytes(state[name].Values.AsSpan()).CopyTo(tensor.bytes);
        }
    }

    /// <summary>The float32 entries of the state_dict; anything that is neither float32 nor an int64 counter is a bug.</summary>
    private static IEnumerable<(string Name, Tensor Tensor)> Entries(nn.Module backbone)
    {
        foreach ((string name, Tensor tensor) in backbone.state_dict())
        {
            if (tensor.dtype == ScalarType.Float32)
            {
                yield return (name, tensor);
            }
            else if (tensor.dtype != ScalarType.Int64)
            {
                throw new NotSupportedException($"tensor '{name}' has type {tensor.dtype}; a backbone state holds float32 only");
            }
        }
    }
}
