using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Platform.Notification.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class WebhookQueuesEmailInboxFiltersAndProtectedSecrets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "secret",
                table: "subscriptions",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200,
                oldNullable: true);

            migrationBuilder.AddColumn<List<string>>(
                name: "categories",
                table: "subscriptions",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'::text[]");

            migrationBuilder.AddColumn<List<string>>(
                name: "departments",
                table: "subscriptions",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'::text[]");

            migrationBuilder.AddColumn<string>(
                name: "email",
                table: "subscriptions",
                type: "character varying(320)",
                maxLength: 320,
                nullable: true);

            migrationBuilder.AddColumn<List<string>>(
                name: "fonds",
                table: "subscriptions",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'::text[]");

            migrationBuilder.AddColumn<int>(
                name: "replays",
                table: "deliveries",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "summary",
                table: "deliveries",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "text", nullable: true),
                    xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "inbox_items",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    department = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: false),
                    event_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    summary = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    payload = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    read_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_inbox_items", x => x.id);
                    table.ForeignKey(
                        name: "fk_inbox_items_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_pending_per_subscription",
                table: "deliveries",
                columns: new[] { "subscription_id", "sequence" },
                filter: "status = 'Pending'");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_department_sequence",
                table: "inbox_items",
                columns: new[] { "department", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_sequence",
                table: "inbox_items",
                column: "sequence",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_inbox_items_subscription_id_message_id",
                table: "inbox_items",
                columns: new[] { "subscription_id", "message_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "inbox_items");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_pending_per_subscription",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "categories",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "departments",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "email",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "fonds",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "replays",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "summary",
                table: "deliveries");

            migrationBuilder.AlterColumn<string>(
                name: "secret",
                table: "subscriptions",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(1000)",
                oldMaxLength: 1000,
                oldNullable: true);
        }
    }
}
