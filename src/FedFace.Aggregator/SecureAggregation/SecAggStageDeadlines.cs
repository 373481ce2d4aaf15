using FedFace.Core.SecureAggregation;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>When each stage of a secure round closes at the latest; a stage closes earlier once every awaited site answered.</summary>
public sealed record SecAggStageDeadlines(DateTimeOffset AdvertiseKeys, DateTimeOffset ShareKeys, DateTimeOffset MaskedInput, DateTimeOffset Unmask)
{
    /// <summary>
    /// Stages 0 and 1 close at fixed times after the round opens, while sites train; the masked-input stage at the
    /// round's deadline, the time sites have to train and send; stage 3 a while after that.
    /// </summary>
    public static SecAggStageDeadlines For(DateTimeOffset openedAt, DateTimeOffset roundDeadline, SecureAggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DateTimeOffset keys = openedAt.AddSeconds(options.AdvertiseKeysSeconds);
        return new SecAggStageDeadlines(keys, keys.AddSeconds(options.ShareKeysSeconds), roundDeadline, roundDeadline.AddSeconds(options.UnmaskSeconds));
    }

    public DateTimeOffset Of(SecAggStage stage) => stage switch
    {
        SecAggStage.AdvertiseKeys => AdvertiseKeys,
        SecAggStage.ShareKeys => ShareKeys,
        SecAggStage.MaskedInput => MaskedInput,
        SecAggStage.Unmask => Unmask,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "a finished round has no deadline"),
    };
}
