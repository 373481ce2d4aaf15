namespace FedFace.Core.SecureAggregation;

/// <summary>
/// How many neighbours k each site has and how many shares t reconstruct its secrets.
/// <para>
/// <b>t &gt; k/2, always.</b> A site's neighbours each return, for it, either a share of its mask key (if the
/// server says it dropped) or a share of its self-mask seed (if it survived), never both. A server lying to
/// some neighbours that the site dropped and to others that it survived would need t shares of each kind,
/// from 2t distinct neighbours; t &gt; k/2 makes that impossible, so it can never unmask a single input.
/// </para>
/// <para>
/// <b>k from n, the dropout tolerance δ and the failure target ε</b> (after Bell et al. 2020, §3–4): every
/// secret needs t of the owner's k neighbours to survive to the end. With each site dropping independently
/// with probability δ, a neighbourhood's survivors are Binomial(k, 1 − δ); by the union bound over the n
/// sites the round fails with probability at most n · P[Binomial(k, 1 − δ) &lt; t]. The rule takes the
/// smallest even k (a Harary graph is k-regular for even k and any n) with t = k/2 + 1 for which that bound
/// is ≤ ε. If no k below n − 1 does, the graph is complete: k = n − 1, t = ⌊(n − 1)/2⌋ + 1 — which happens for
/// every n up to a few hundred at δ = 30%, ε = 2⁻²⁰ (t &gt; k/2 leaves only a 0.2 margin over 1 − δ = 0.7,
/// so k must be large: about 180 neighbours at n = 1,000).
/// </para>
/// <para>
/// <b>Corrupt sites</b> (γ, C = ⌊γ·n⌋ of them, colluding with the server): a corrupt neighbour hands over both kinds of
/// share it holds, so t must exceed the corrupt neighbours any site has. On the complete graph that is exactly C, so
/// t = max(⌊k/2⌋ + 1, C + 1); on a Harary graph over a random permutation a site's k neighbours are a uniform k-subset of
/// the other n − 1 sites, so its corrupt neighbours are Hypergeometric(n − 1, C, k) and t is the smallest value with
/// n · P[Hypergeometric ≥ t] ≤ ε. Corrupt sites that stop answering count as dropouts: δ covers every site that may.
/// Both must hold at once, and n − ⌊δ·n⌋ survivors must reach the survivor-set quorum ⌊(n + C)/2⌋ + 1
/// (<see cref="RoundConfiguration.SignatureQuorum"/>); a threat model no k meets is refused.
/// </para>
/// </summary>
public static class NeighbourhoodRule
{
    /// <summary>The smallest threshold that keeps the server from holding both kinds of share: ⌊k/2⌋ + 1.</summary>
    public static int MinimumThreshold(int neighbourCount) => neighbourCount / 2 + 1;

    /// <summary>C = ⌊γ·n⌋: the corrupt sites a round of <paramref name="siteCount"/> sites is sized for.</summary>
    public static int CorruptSites(int siteCount, double corruptFraction) => (int)Math.Floor(corruptFraction * siteCount);

    /// <exception cref="ArgumentException">no k and t meet both the dropout and the corruption targets, or too few sites
    /// would survive to sign the survivor set; the message says which.</exception>
    public static (int NeighbourCount, int Threshold) Choose(int siteCount, double dropoutTolerance, double roundFailureProbability, double corruptFraction = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(siteCount, RoundConfiguration.MinimumSites);
        int corrupt = CorruptSites(siteCount, corruptFraction);
        int dropped = (int)Math.Floor(dropoutTolerance * siteCount);
        int quorum = (siteCount + corrupt) / 2 + 1;
        string threat = $"{siteCount} sites with {dropoutTolerance:P0} dropping ({dropped}) and {corruptFraction:P0} corrupt ({corrupt})";
        if (siteCount - dropped < quorum)
            throw new ArgumentException($"secure aggregation cannot protect {threat}: {siteCount - dropped} survivors are fewer than the {quorum} "
                + "signatures the survivor-set check needs (lower DropoutTolerance or CorruptFraction)");
        var corruptNeighbours = new CorruptNeighbourTail(siteCount, corrupt);
        for (int k = 2; k < siteCount - 1; k += 2)
        {
            int t = corruptNeighbours.SmallestSafeThreshold(k, roundFailureProbability);
            if (t <= k && FailureProbability(siteCount, k, t, dropoutTolerance) <= roundFailureProbability) return (k, t);
        }
        // The complete graph: every site neighbours all others, so exactly C corrupt ones and at most ⌊δ·n⌋ dropped ones.
        int complete = siteCount - 1;
        int threshold = Math.Max(MinimumThreshold(complete), corrupt + 1);
        if (threshold > complete - dropped)
            throw new ArgumentException($"secure aggregation cannot protect {threat}: t must exceed both k/2 and {corrupt}, so t = {threshold}, "
                + $"but with {dropped} dropped a site keeps only {complete - dropped} of its {complete} neighbours (lower DropoutTolerance or CorruptFraction)");
        return (complete, threshold);
    }

    /// <summary>Union bound on the chance that some site keeps fewer than t of its k neighbours when each of
    /// the n sites drops independently with probability <paramref name="dropoutTolerance"/>.</summary>
    public static double FailureProbability(int siteCount, int neighbourCount, int threshold, double dropoutTolerance) =>
        Math.Min(1, siteCount * BinomialAtMost(neighbourCount, 1 - dropoutTolerance, threshold - 1));

    /// <summary>P[Binomial(n, p) ≤ m], summed in log space so large n neither overflows nor underflows early.</summary>
    internal static double BinomialAtMost(int n, double p, int m)
    {
        if (m < 0) return 0;
        if (m >= n) return 1;
        if (p <= 0) return 1;
        if (p >= 1) return 0;
        double logP = Math.Log(p), logQ = Math.Log(1 - p), logChoose = 0, sum = 0; // logChoose = log C(n, i)
        for (int i = 0; i <= m; i++)
        {
            if (i > 0) logChoose += Math.Log(n - i + 1) - Math.Log(i);
            sum += Math.Exp(logChoose + i * logP + (n - i) * logQ);
        }
        return Math.Min(1, sum);
    }
}
