using FedFace.Learning.Training;

namespace FedFace.Simulator.VirtualSites;

/// <summary>Where a virtual site's faces come from when it trains.</summary>
public interface ISiteFaces
{
    /// <summary>The faces of the site at <paramref name="siteIndex"/>, ready for the network (made on demand by a pool, kept by a small federation).</summary>
    FaceTrainingSet For(int siteIndex);
}

/// <summary>The faces of a small federation, aligned per site and kept (<see cref="SimulationData"/>).</summary>
public sealed class ResidentFaces(IReadOnlyList<FaceTrainingSet> sites) : ISiteFaces
{
    public FaceTrainingSet For(int siteIndex) => sites[siteIndex];
}
