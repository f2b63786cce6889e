using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Catalogue.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class NewestFirstIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_records_updated_at_id",
                table: "records",
                columns: new[] { "updated_at", "id" },
                descending: new[] { true, false });

            migrationBuilder.CreateIndex(
                name: "ix_federated_records_published_at_record_id",
                table: "federated_records",
                columns: new[] { "published_at", "record_id" },
                descending: new[] { true, false });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_records_updated_at_id",
                table: "records");

            migrationBuilder.DropIndex(
                name: "ix_federated_records_published_at_record_id",
                table: "federated_records");
        }
    }
}
