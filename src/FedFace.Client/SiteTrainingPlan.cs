using FedFace.Core.Training;
using FedFace.Learning.Training;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Microsoft.Extensions.Logging;

namespace FedFace.Client;

/// <summary>The plan a site trains a round with: the task's, its seed mixed with the site's.</summary>
public static class SiteTrainingPlan
{
    /// <summary>The round task's plan, its seed mixed with the site's so that no two sites draw alike.</summary>
    public static TrainingPlan For(TrainingConfig config, int siteSeed)
    {
        TrainingPlan plan = TrainingPlanWire.FromWire(config);
        return plan with { Seed = plan.Seed ^ (ulong)siteSeed };
    }

    public static void WarnOfMissingMasks(TrainingPlan plan, FaceTrainingSet faces, long round, ILogger logger)
    {
        if (plan.MaskedFaceProbability > 0 && faces.MaskedPixels is null)
        {
            logger.LogWarning("Round {Round} asks for mask augmentation (probability {Probability}) but this site prepared no masked faces "
                + "(Site:PrepareMaskedFaces is off); training without it", round, plan.MaskedFaceProbability);
        }
    }
}
