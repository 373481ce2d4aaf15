using FedFace.Core.SecureAggregation;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>When each stage of a secure round closes at the latest; a stage closes earlier once every awaited site answered.</summary>
public sealed record SecAggStageDeadlines(DateTimeOffset AdvertiseKeys, DateTimeOffset ShareKeys, DateTimeOffset MaskedInput, DateTimeOffset ConsistencyCheck,
    DateTimeOffset Unmask)
{
    /// <summary>
    /// Stages 0 and 1 close at fixed times after the round opens, while sites train; the masked-input stage at the
    /// round's deadline, the time sites have to train and send; the consistency check and the unmask stage each a while
    /// after the stage before.
    /// </summary>
    public static SecAggStageDeadlines For(DateTimeOffset openedAt, DateTimeOffset roundDeadline, SecureAggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DateTimeOffset keys = openedAt.AddSeconds(options.AdvertiseKeysSeconds);
        DateTimeOffset consistencyCheck = roundDeadline.AddSeconds(options.ConsistencyCheckSeconds);
        return new SecAggStageDeadlines(keys, keys.AddSeconds(options.ShareKeysSeconds), roundDeadline, consistencyCheck,
            consistencyCheck.AddSeconds(options.UnmaskSeconds));
    }

    public DateTimeOffset Of(SecAggStage stage) => stage switch
    {
        SecAggStage.AdvertiseKeys => AdvertiseKeys,
        SecAggStage.ShareKeys => ShareKeys,
        SecAggStage.MaskedInput => MaskedInput,
        SecAggStage.ConsistencyCheck => ConsistencyCheck,
        SecAggStage.Unmask => Unmask,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "a finished round has no deadline"),
    };
}
