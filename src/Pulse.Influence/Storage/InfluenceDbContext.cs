using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Pulse.Influence.Creators;
using Pulse.Influence.Links;
using Pulse.Influence.Codes;
using Pulse.Influence.Conversions;
using Pulse.Influence.Shops;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Storage;

/// <summary>
/// The Influence module's tables in the metadata store (creators, their handles, groups and notes).
/// It shares the Platform context's connection in a scope, so a change and its audit entry commit together.
/// </summary>
internal class InfluenceDbContext : DbContext
{
    public const string HistoryTable = "__influence_migrations";

    public InfluenceDbContext(DbContextOptions<InfluenceDbContext> options)
        : base(options)
    {
    }

    protected InfluenceDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<Creator> Creators => Set<Creator>();
    public DbSet<CreatorHandle> Handles => Set<CreatorHandle>();
    public DbSet<CreatorGroup> Groups => Set<CreatorGroup>();
    public DbSet<CreatorGroupMember> GroupMembers => Set<CreatorGroupMember>();
    public DbSet<CreatorNote> Notes => Set<CreatorNote>();
    public DbSet<Link> Links => Set<Link>();
    public DbSet<DiscountCode> Codes => Set<DiscountCode>();
    public DbSet<Conversion> Conversions => Set<Conversion>();
    public DbSet<ConversionAdjustment> Adjustments => Set<ConversionAdjustment>();
    public DbSet<ShopConnection> Shops => Set<ShopConnection>();
    internal DbSet<Commissions.AffiliateProgram> Programs => Set<Commissions.AffiliateProgram>();
    internal DbSet<Commissions.ProgramMember> ProgramMembers => Set<Commissions.ProgramMember>();
    internal DbSet<Commissions.Commission> Commissions => Set<Commissions.Commission>();
    internal DbSet<Commissions.Payout> Payouts => Set<Commissions.Payout>();
    internal DbSet<Fraud.FraudFlag> FraudFlags => Set<Fraud.FraudFlag>();
    internal DbSet<Partners.PartnerInvite> PartnerInvites => Set<Partners.PartnerInvite>();
    internal DbSet<Partners.PartnerSignIn> PartnerSignIns => Set<Partners.PartnerSignIn>();
    internal DbSet<Commissions.PayoutWebhookSettings> PayoutWebhooks => Set<Commissions.PayoutWebhookSettings>();
    internal DbSet<Money.ExchangeRate> ExchangeRates => Set<Money.ExchangeRate>();
    internal DbSet<CreatorPost> Posts => Set<CreatorPost>();
    internal DbSet<QrLogo> QrLogos => Set<QrLogo>();
    internal DbSet<Commissions.PayoutDelivery> PayoutDeliveries => Set<Commissions.PayoutDelivery>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Creator>(e =>
        {
            e.ToTable("creators");
            e.HasKey(c => c.Id);
            e.HasIndex(c => new { c.WorkspaceId, c.Id });
            e.HasIndex(c => new { c.WorkspaceId, c.Email }).IsUnique();
            e.HasIndex(c => new { c.WorkspaceId, c.Followers });
            e.Property(c => c.Name).HasMaxLength(CreatorInput.MaxName);
            e.Property(c => c.Email).HasMaxLength(254);
            e.Property(c => c.Country).HasMaxLength(2);
            e.Property(c => c.Status).HasConversion<string>().HasMaxLength(12);
            e.Property(c => c.Categories).HasMaxLength(2000);
            e.Property(c => c.ContractType).HasConversion<string>().HasMaxLength(12);
            e.Property(c => c.ContractFee).HasPrecision(18, 4);
            e.Property(c => c.ContractCurrency).HasMaxLength(3);
            e.Property(c => c.ContractTerms).HasMaxLength(CreatorInput.MaxTerms);
            e.Property(c => c.PayoutMethod).HasConversion<string>().HasMaxLength(14);
            e.Property(c => c.PayoutSecret).HasMaxLength(4000);
            e.Property(c => c.PayoutHint).HasMaxLength(12);
            e.HasIndex(c => new { c.WorkspaceId, c.UserId }).IsUnique();
            e.Property(c => c.CreatedBy).HasMaxLength(300);
            e.HasMany(c => c.Handles).WithOne().HasForeignKey(h => h.CreatorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<CreatorHandle>(e =>
        {
            e.ToTable("creator_handles");
            e.HasKey(h => h.Id);
            e.HasIndex(h => new { h.WorkspaceId, h.Platform, h.Handle }).IsUnique();
            e.HasIndex(h => h.CreatorId);
            e.Property(h => h.Platform).HasConversion<string>().HasMaxLength(12);
            e.Property(h => h.Handle).HasMaxLength(100);
        });
        b.Entity<CreatorGroup>(e =>
        {
            e.ToTable("creator_groups");
            e.HasKey(g => g.Id);
            e.HasIndex(g => new { g.WorkspaceId, g.Name }).IsUnique();
            e.Property(g => g.Name).HasMaxLength(100);
            e.Property(g => g.Description).HasMaxLength(1000);
        });
        b.Entity<CreatorGroupMember>(e =>
        {
            e.ToTable("creator_group_members");
            e.HasKey(m => new { m.GroupId, m.CreatorId });
            e.HasIndex(m => m.CreatorId);
            e.HasOne<CreatorGroup>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Creator>().WithMany().HasForeignKey(m => m.CreatorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<CreatorNote>(e =>
        {
            e.ToTable("creator_notes");
            e.HasKey(n => n.Id);
            e.HasIndex(n => new { n.CreatorId, n.Id });
            e.Property(n => n.Text).HasMaxLength(CreatorInput.MaxNote);
            e.Property(n => n.Author).HasMaxLength(300);
            e.HasOne<Creator>().WithMany().HasForeignKey(n => n.CreatorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Link>(e =>
        {
            e.ToTable("links");
            e.HasKey(l => l.Id);
            e.HasIndex(l => l.Slug).IsUnique();
            e.HasIndex(l => new { l.WorkspaceId, l.Id });
            e.HasIndex(l => new { l.WorkspaceId, l.CreatorId });
            e.Property(l => l.Slug).HasMaxLength(LinkInput.MaxSlug);
            e.Property(l => l.Url).HasMaxLength(LinkInput.MaxUrl);
            e.Property(l => l.Title).HasMaxLength(200);
            e.Property(l => l.Campaign).HasMaxLength(200);
            e.Property(l => l.Platform).HasMaxLength(40);
            e.Property(l => l.Medium).HasMaxLength(20);
            e.Property(l => l.Content).HasMaxLength(200);
            e.Property(l => l.ExpiredUrl).HasMaxLength(LinkInput.MaxUrl);
            e.Property(l => l.PasswordHash).HasMaxLength(200);
            e.Property(l => l.IosUrl).HasMaxLength(LinkInput.MaxUrl);
            e.Property(l => l.AndroidUrl).HasMaxLength(LinkInput.MaxUrl);
            e.Property(l => l.GeoTargets).HasMaxLength(250_000);
            e.Property(l => l.Variants).HasMaxLength(25_000);
            e.Property(l => l.TrackParam).HasMaxLength(40);
            e.Property(l => l.CreatedBy).HasMaxLength(300);
            // A creator's links stay when the creator is deleted, unattributed.
            e.HasOne<Creator>().WithMany().HasForeignKey(l => l.CreatorId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<DiscountCode>(e =>
        {
            e.ToTable("discount_codes");
            e.HasKey(c => c.Id);
            e.HasIndex(c => new { c.WorkspaceId, c.Code }).IsUnique();
            e.HasIndex(c => new { c.WorkspaceId, c.CreatorId });
            e.Property(c => c.Code).HasMaxLength(50);
            e.Property(c => c.Campaign).HasMaxLength(200);
            e.Property(c => c.Discount).HasMaxLength(100);
            e.Property(c => c.CreatedBy).HasMaxLength(300);
            e.HasOne<Creator>().WithMany().HasForeignKey(c => c.CreatorId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<Conversion>(e =>
        {
            e.ToTable("conversions");
            e.HasKey(c => c.Id);
            e.HasIndex(c => new { c.WorkspaceId, c.OrderId }).IsUnique();
            e.HasIndex(c => new { c.WorkspaceId, c.CreatorId });
            e.HasIndex(c => new { c.WorkspaceId, c.Code });
            e.Property(c => c.Type).HasMaxLength(10);
            e.Property(c => c.OrderId).HasMaxLength(200);
            e.Property(c => c.CustomerId).HasMaxLength(200);
            e.Property(c => c.Email).HasMaxLength(254);
            e.Property(c => c.Amount).HasPrecision(18, 4);
            e.Property(c => c.Refunded).HasPrecision(18, 4);
            e.Property(c => c.Currency).HasMaxLength(3);
            e.Property(c => c.Items).HasMaxLength(500_000);
            e.Property(c => c.Code).HasMaxLength(50);
            e.Property(c => c.ClickId).HasMaxLength(32);
            e.Property(c => c.AnonymousId).HasMaxLength(200);
            e.Property(c => c.Country).HasMaxLength(2);
            e.Property(c => c.Ip).HasMaxLength(45);
            e.HasIndex(c => new { c.WorkspaceId, c.OccurredAt });
            e.Property(c => c.Status).HasMaxLength(20);
            e.Property(c => c.AttributedBy).HasMaxLength(10);
            e.Property(c => c.Origin).HasMaxLength(20);
        });
        b.Entity<Commissions.AffiliateProgram>(e =>
        {
            e.ToTable("programs");
            e.HasKey(p => p.Id);
            e.HasIndex(p => new { p.WorkspaceId, p.Name }).IsUnique();
            e.Property(p => p.Name).HasMaxLength(200);
            e.Property(p => p.Currency).HasMaxLength(3);
            e.Property(p => p.Rules).HasMaxLength(100_000);
            e.Property(p => p.LandingDomains).HasMaxLength(2000);
            e.Property(p => p.CreatedBy).HasMaxLength(200);
        });
        b.Entity<QrLogo>(e =>
        {
            e.ToTable("qr_logos");
            e.HasKey(x => x.WorkspaceId);
            e.Property(x => x.UpdatedBy).HasMaxLength(300);
        });
        b.Entity<CreatorPost>(e =>
        {
            e.ToTable("creator_posts");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.WorkspaceId, x.PostedAt });
            e.HasIndex(x => x.CreatorId);
            e.Property(x => x.Platform).HasMaxLength(20);
            e.Property(x => x.Url).HasMaxLength(LinkInput.MaxUrl);
            e.Property(x => x.Campaign).HasMaxLength(200);
            e.Property(x => x.CreatedBy).HasMaxLength(300);
            e.HasOne<Creator>().WithMany().HasForeignKey(x => x.CreatorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Money.ExchangeRate>(e =>
        {
            e.ToTable("exchange_rates");
            e.HasKey(x => new { x.WorkspaceId, x.From, x.To, x.Day });
            e.Property(x => x.From).HasMaxLength(3);
            e.Property(x => x.To).HasMaxLength(3);
            e.Property(x => x.Rate).HasPrecision(24, 10);
        });
        b.Entity<Commissions.PayoutWebhookSettings>(e =>
        {
            e.ToTable("payout_webhooks");
            e.HasKey(x => x.WorkspaceId);
            e.Property(x => x.Url).HasMaxLength(2000);
            e.Property(x => x.Secret).HasMaxLength(200);
            e.Property(x => x.UpdatedBy).HasMaxLength(300);
        });
        b.Entity<Commissions.PayoutDelivery>(e =>
        {
            e.ToTable("payout_deliveries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.DeliveredAt, x.NextAt });
            e.HasIndex(x => new { x.WorkspaceId, x.Id });
            e.Property(x => x.LastOutcome).HasMaxLength(300);
        });
        b.Entity<Partners.PartnerSignIn>(e =>
        {
            e.ToTable("partner_sign_ins");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.WorkspaceId, x.CreatorId, x.Ip });
            e.HasIndex(x => x.At);
            e.Property(x => x.Ip).HasMaxLength(45);
            e.Property(x => x.UserAgent).HasMaxLength(512);
            e.HasOne<Creator>().WithMany().HasForeignKey(x => x.CreatorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Partners.PartnerInvite>(e =>
        {
            e.ToTable("partner_invites");
            e.HasKey(i => i.Id);
            e.HasIndex(i => i.TokenHash).IsUnique();
            e.HasIndex(i => new { i.WorkspaceId, i.CreatorId });
            e.Property(i => i.TokenHash).HasMaxLength(64);
            e.Property(i => i.Email).HasMaxLength(254);
            e.Property(i => i.CreatedBy).HasMaxLength(300);
            e.HasOne<Creator>().WithMany().HasForeignKey(i => i.CreatorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Commissions.ProgramMember>(e =>
        {
            e.ToTable("program_members");
            e.HasKey(m => new { m.ProgramId, m.CreatorId });
            e.HasIndex(m => m.CreatorId);
        });
        b.Entity<Commissions.Commission>(e =>
        {
            e.ToTable("commissions");
            e.HasKey(k => k.Id);
            e.HasIndex(k => new { k.WorkspaceId, k.CreatorId, k.State });
            e.HasIndex(k => k.ConversionId);
            e.HasIndex(k => k.PayoutId);
            e.Property(k => k.Kind).HasMaxLength(10);
            e.Property(k => k.RateType).HasMaxLength(10);
            e.Property(k => k.Rate).HasPrecision(18, 4);
            e.Property(k => k.Base).HasPrecision(18, 4);
            e.Property(k => k.Amount).HasPrecision(18, 4);
            e.Property(k => k.Currency).HasMaxLength(3);
            e.Property(k => k.State).HasMaxLength(10);
            e.Property(k => k.Note).HasMaxLength(500);
        });
        b.Entity<Commissions.Payout>(e =>
        {
            e.ToTable("payouts");
            e.HasKey(p => p.Id);
            e.HasIndex(p => new { p.WorkspaceId, p.CreatorId });
            e.Property(p => p.Amount).HasPrecision(18, 4);
            e.Property(p => p.Currency).HasMaxLength(3);
            e.Property(p => p.Reference).HasMaxLength(200);
            e.Property(p => p.CreatedBy).HasMaxLength(200);
        });
        b.Entity<Fraud.FraudFlag>(e =>
        {
            e.ToTable("fraud_flags");
            e.HasKey(f => f.Id);
            e.HasIndex(f => new { f.WorkspaceId, f.State });
            e.HasIndex(f => f.ConversionId);
            e.Property(f => f.Rule).HasMaxLength(50);
            e.Property(f => f.Evidence).HasMaxLength(2000);
            e.Property(f => f.State).HasMaxLength(10);
            e.Property(f => f.ResolvedBy).HasMaxLength(200);
        });
        b.Entity<ConversionAdjustment>(e =>
        {
            e.ToTable("conversion_adjustments");
            e.HasKey(a => a.Id);
            e.HasIndex(a => new { a.ConversionId, a.ExternalId }).IsUnique();
            e.Property(a => a.ExternalId).HasMaxLength(200);
            e.Property(a => a.Kind).HasMaxLength(10);
            e.Property(a => a.Amount).HasPrecision(18, 4);
            e.Property(a => a.Reason).HasMaxLength(500);
            e.HasOne<Conversion>().WithMany().HasForeignKey(a => a.ConversionId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ShopConnection>(e =>
        {
            e.ToTable("shop_connections");
            e.HasKey(s => s.Id);
            e.HasIndex(s => s.WorkspaceId);
            e.Property(s => s.Platform).HasMaxLength(20);
            e.Property(s => s.Name).HasMaxLength(100);
            e.Property(s => s.Secret).HasMaxLength(2000);
            e.Property(s => s.SecretHint).HasMaxLength(12);
        });
    }
}

/// <summary>Cluster mode: the same model on PostgreSQL, with PostgreSQL's own migrations.</summary>
internal sealed class PostgresInfluenceDbContext(DbContextOptions<PostgresInfluenceDbContext> options) : InfluenceDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<string>().HaveConversion<NulFreeStringConverter>();
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting the host.</summary>
internal sealed class DesignTimeInfluenceFactory : IDesignTimeDbContextFactory<InfluenceDbContext>
{
    public InfluenceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<InfluenceDbContext>()
            .UseSqlite("Data Source=design.db", o => o.MigrationsHistoryTable(InfluenceDbContext.HistoryTable)).Options);
}

/// <summary>The same for <see cref="PostgresInfluenceDbContext"/> (no server is contacted).</summary>
internal sealed class DesignTimePostgresInfluenceFactory : IDesignTimeDbContextFactory<PostgresInfluenceDbContext>
{
    public PostgresInfluenceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresInfluenceDbContext>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable(InfluenceDbContext.HistoryTable)).Options);
}
