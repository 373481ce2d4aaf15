using FedFace.Core.Privacy;

namespace FedFace.Core.Tests.Privacy;

/// <summary>Repeatable uniform words for checking the exact samplers' distributions; never a source of real noise.</summary>
internal sealed class SeededRandomWords(int seed) : RandomWords
{
    private readonly Random _random = new(seed);

    protected override void Refill(Span<byte> block) => _random.NextBytes(block);
}
