using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;
using FedFace.Protos.V1;
using Microsoft.Extensions.Logging;

namespace FedFace.Client;

/// <summary>
/// The edge site's local work: its own network (backbone + private ArcFace head), made at its first round and kept, trained
/// on its faces, loaded when first needed.
/// </summary>
public sealed class ResidentTraining(Func<CancellationToken, SiteData> loadData, int seed, ILogger logger, SemaphoreSlim? trainingGate = null)
    : ILocalWork, IDisposable
{
    private SiteData? _data;
    private SiteModel? _model;

    /// <summary>Faces aligned before the rounds.</summary>
    public void UseAlignedFaces(SiteData data) => _data = data;

    /// <summary>Examples held, when the faces are already loaded (a site declares them when it joins).</summary>
    public int? LoadedExamples => _data?.Examples;

    public string? Shortfall(CancellationToken cancellationToken) => (_data ??= loadData(cancellationToken)).Shortfall;

    public async Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
    {
        SiteData data = _data ??= loadData(cancellationToken);
        _model ??= new SiteModel(data.Faces.ClassCount, seed, BackboneArchitecture.Of(global));
        TrainingPlan plan = SiteTrainingPlan.For(task.Training, seed);
        SiteTrainingPlan.WarnOfMissingMasks(plan, data.Faces, task.Round, logger);
        if (trainingGate is not null)
        {
            await trainingGate.WaitAsync(cancellationToken);
        }
        try
        {
            LocalTrainingReport report = await Task.Run(() =>
            {
                _model.LoadGlobal(global, plan.KeepBatchNormLocal);
                try
                {
                    return _model.Train(data.Faces, plan, cancellationToken);
                }
                finally
                {
                    NativeMemory.ReleaseFreed(); // the site idles until its next round: hand the step buffers back (see NativeMemory)
                }
            }, cancellationToken);
            return new LocalUpdate(_model.ComputeDelta(global), report);
        }
        finally
        {
            trainingGate?.Release();
        }
    }

    public void Dispose() => _model?.Dispose();
}
