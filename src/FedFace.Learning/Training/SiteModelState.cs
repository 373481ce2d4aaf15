using FedFace.Core;

namespace FedFace.Learning.Training;

/// <summary>
/// What a site whose network is borrowed keeps between its rounds (<see cref="SiteModel.SaveState"/>): its private ArcFace
/// head's weights, [classes × embedding size] row-major, and its BatchNorm tensors when it keeps BatchNorm local (FedBN).
/// </summary>
public sealed record SiteModelState(float[] HeadWeights, ModelState? LocalBatchNorm);
