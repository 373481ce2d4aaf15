using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;
using FedFace.Protos.V1;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// A virtual site's training: a worker's network lent for the round, the site's head and BatchNorm state put on it, trained
/// with a fresh optimiser and the plan's seed, the delta taken, the state saved back into the site's record.
/// </summary>
public sealed class BorrowedNetworkTraining(VirtualSite site, ISiteFaces faces, NetworkPool networks, ILogger logger) : ILocalWork
{
    public string? Shortfall(CancellationToken cancellationToken)
    {
        FaceTrainingSet set = faces.For(site.Index);
        return set.ClassCount >= SiteData.MinimumPeople ? null
            : $"this site has usable faces of only {set.ClassCount} people; training needs at least {SiteData.MinimumPeople}";
    }

    public async Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
    {
        FaceTrainingSet set = faces.For(site.Index);
        TrainingPlan plan = SiteTrainingPlan.For(task.Training, site.Seed);
        SiteTrainingPlan.WarnOfMissingMasks(plan, set, task.Round, logger);
        using NetworkPool.Lease lease = await networks.RentAsync(BackboneArchitecture.Of(global), cancellationToken);
        return await Task.Run(() =>
        {
            using SiteModel model = SiteModel.OnBorrowedBackbone(lease.Backbone, set.ClassCount, site.Seed, site.Model);
            model.LoadGlobal(global, plan.KeepBatchNormLocal);
            LocalTrainingReport report = model.Train(set, plan, cancellationToken);
            ModelState delta = model.ComputeDelta(global);
            site.Model = model.SaveState();
            NativeMemory.ReleaseFreed();
            return new LocalUpdate(delta, report);
        }, cancellationToken);
    }
}
