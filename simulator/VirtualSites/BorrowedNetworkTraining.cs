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
/// <param name="torchThreads">libtorch intra-op threads for the training, set on the thread that runs it.</param>
public sealed class BorrowedNetworkTraining(VirtualSite site, ISiteFaces faces, NetworkPool networks, int torchThreads, ILogger logger) : ILocalWork
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
            // libtorch keeps the thread count a thread first ran with: a pool thread that ran torch before the count
            // changed would train with its old one, and the sums' order (so the bits) would depend on the thread picked.
            TorchSharp.torch.set_num_threads(torchThreads);
            using SiteModel model = SiteModel.OnBorrowedBackbone(lease.Backbone, set.ClassCount, site.Seed, site.Model);
            model.LoadGlobal(global, plan.KeepBatchNormLocal);
            LocalTrainingReport report = model.Train(set, plan, cancellationToken);
            ModelState delta = model.ComputeDelta(global);
            site.Model = model.SaveState();
            return new LocalUpdate(delta, report);
        }, cancellationToken);
    }
}
