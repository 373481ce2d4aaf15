using FedFace.Core;

namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>
/// A byzantine-robust combination of a round's single updates into one delta: unlike the mean, a few arbitrary updates
/// cannot move it arbitrarily far. Every update weighs alike: weighing by declared example counts would hand an attacker
/// the weight it declares.
/// </summary>
public interface IRobustRule
{
    /// <summary>The rule's name in settings and logs.</summary>
    string Name { get; }

    /// <summary>Why the rule cannot combine <paramref name="updates"/> updates (too few for its f), or null when it can.</summary>
    string? RefusalFor(int updates);

    /// <summary>
    /// The robust combination of <paramref name="updates"/> (same layout, in a fixed order so the result repeats).
    /// Throws <see cref="ArgumentException"/> with <see cref="RefusalFor"/>'s reason when there are too few.
    /// </summary>
    ModelState Combine(IReadOnlyList<ModelState> updates);
}
