using FedFace.Simulator.VirtualSites;

namespace FedFace.Simulator.Scenarios;

/// <summary>
/// The settings <see cref="SimulationData.Prepare"/> and <see cref="PooledSites.Prepare"/> read: two runs with the same
/// shape can share one prepared data set, which is how a scenario's variants are compared on the same people, faces and pairs.
/// </summary>
public sealed record PreparedDataShape(
    int Sites, int Seed, bool ValidationSplit, int MinImagesPerPerson, int MaxImagesPerPerson, int MaxPeople,
    string Partition, string DomainShift, string FacePolicy, string Normalization, bool MaskedRenderings, int EvalPairsPerFold, bool MaskedEval,
    int PeoplePerSite)
{
    /// <summary>The shape of the data the options' sites train on; null when they do not train (synthetic, replay): they need none.</summary>
    public static PreparedDataShape? Of(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Engine.Kind != SiteWorkKind.Train)
        {
            return null;
        }
        PartitionSettings p = options.Partition;
        DomainShiftSettings d = options.DomainShift;
        return new PreparedDataShape(options.Sites, options.Seed, options.ValidationSplit, options.MinImagesPerPerson, options.MaxImagesPerPerson,
            options.MaxPeople, $"{p.Kind} {p.GeometricRatio} {p.ZipfExponent} {p.DirichletAlpha}",
            $"{d.MaskedSites} {d.MaskedShare} {d.GreyscaleSites} {d.GreyscaleShare}", options.FacePolicy.Trim().ToLowerInvariant(),
            options.EffectiveNormalization, options.Training.MaskedFaceProbability > 0, options.EvalPairsPerFold, options.MaskedEval,
            options.Engine.PeoplePerSite);
    }

    /// <summary>The names of the settings whose values differ between the two shapes.</summary>
    public IEnumerable<string> DifferencesFrom(PreparedDataShape other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return typeof(PreparedDataShape).GetProperties()
            .Where(p => !Equals(p.GetValue(this), p.GetValue(other)))
            .Select(p => p.Name);
    }
}
