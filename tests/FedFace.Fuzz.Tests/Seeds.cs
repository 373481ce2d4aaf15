using FedFace.Core;

namespace FedFace.Fuzz.Tests;

/// <summary>Small honest models to mutate: a few tensors, one of them empty, in the shapes a backbone has.</summary>
internal static class Seeds
{
    public static ModelState Model(int seed)
    {
        var random = new Random(seed);
        float[] Values(int count) => [.. Enumerable.Range(0, count).Select(_ => random.NextSingle() - 0.5f)];
        return new ModelState([
            new NamedTensor("conv.weight", [4, 3, 3, 3], Values(108)),
            NamedTensor.Zeros("bn.num_batches_tracked", [0]),
            new NamedTensor("bn.weight", [4], Values(4)),
            new NamedTensor("fc.weight", [8, 4], Values(32)),
        ]);
    }

    public static ModelState[] Models { get; } = [Model(1), Model(2)];
}
