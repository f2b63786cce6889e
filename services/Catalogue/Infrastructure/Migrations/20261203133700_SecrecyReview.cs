using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Catalogue.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SecrecyReview : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "review_reason",
                table: "records",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "review_requested_at",
                table: "records",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "reviewed_at",
                table: "records",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reviewed_by",
                table: "records",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "secrecy_review",
                table: "records",
                type: "character varying(30)",
                maxLength: 30,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_records_secrecy_review_queue",
                table: "records",
                column: "review_requested_at",
                filter: "secrecy_review = 'awaiting-secrecy-review'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_records_secrecy_review_queue",
                table: "records");

            migrationBuilder.DropColumn(
                name: "review_reason",
                table: "records");

            migrationBuilder.DropColumn(
                name: "review_requested_at",
                table: "records");

            migrationBuilder.DropColumn(
                name: "reviewed_at",
                table: "records");

            migrationBuilder.DropColumn(
                name: "reviewed_by",
                table: "records");

            migrationBuilder.DropColumn(
                name: "secrecy_review",
                table: "records");
        }
    }
}
